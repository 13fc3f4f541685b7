import * as path from 'node:path';
import picomatch from 'picomatch';
import type { EngineConfig } from '../config/config';
import type { ChangeFilter } from './filter';
import { localModuleDirs, packageGraph, type ListedPackage } from './goList';
import { goFileFacts, type GoFileFacts } from './goSource';
import type { Logger } from '../util/log';
import { watchFiles, watchTree } from './watcher';

interface ScopeHost {
  config(): EngineConfig;
  filter(): ChangeFilter;
  log: Logger;
  /** Usually a custom build command or a VS Code task: then we cannot know what it builds. */
  usesDefaultBuild(): boolean;
  onChange(file: string): void;
}

/**
 * What a change can affect, asked of the go command rather than guessed:
 * - the packages the main package builds from (`go list -deps -json`), so with several services a
 *   shared package rebuilds every service that imports it, and only those;
 * - the files those packages embed (`//go:embed`), whatever their extension;
 * - local modules outside the root (go.mod `replace ../x`, go.work `use`), which editors do not
 *   watch: they are watched here with chokidar, and re-read when go.mod or go.work change.
 *
 * Architecture invariant: a Go file is dropped only when a go list answer exists and that answer
 * still describes the code. The answer is checked against every later edit: an edit in a listed
 * package that imports or embeds anything the answer does not list makes it stale, and so does a
 * failed build or a go.mod/go.work change. While stale, every Go file counts; the next good build
 * asks go again. An answer that was in flight when it went stale is thrown away. (Any answer is
 * safe to keep once each later edit is checked against it: edits before it are in it, edits after
 * it are checked.)
 */
export class ModuleScope {
  private graph?: Map<string, ListedPackage>;
  /** Whether go has answered once (or failed to): before that, any file in the tree might be embedded. */
  private answered = false;
  /** Package folder → //go:embed patterns, from go's answers and from edits since (only grows: extra builds are safe). */
  private readonly embedPatterns = new Map<string, Set<string>>();
  private readonly embedFiles = new Set<string>();
  private manifests = new Set<string>();
  private watchers: { dir: string; close(): Promise<void> }[] = [];
  /** The manifests outside every watched tree (a go.work in a folder above the module). */
  private manifestWatch?: { files: string; close(): Promise<void> };
  private importsRun = 0;
  /** Go files edited while go was answering: checked against that answer before it is trusted. */
  private readonly editedDuringList = new Set<string>();
  private listing = 0;
  private closed = false;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly host: ScopeHost) {}

  /** Local module folders being watched (for the log, tests and the tooltip). */
  get localDirs(): string[] {
    return this.watchers.map((w) => w.dir);
  }

  /** True while a go list answer describes the code on disk (tests, the log). */
  get known(): boolean {
    return !!this.graph;
  }

  /** The folders of the packages the build reads, from go's answer; undefined while none describes the code. */
  get packageDirs(): string[] | undefined {
    return this.graph ? [...this.graph.keys()] : undefined;
  }

  /**
   * False for a Go file in a package the server does not build from (it cannot change the
   * binary). An edit that brings in a new import or embed makes the answer stale first.
   */
  affects(file: string): boolean {
    if (!file.endsWith('.go')) return true;
    const abs = path.resolve(file);
    const facts = goFileFacts(abs);
    const dir = path.dirname(abs);
    if (facts?.embeds.length) this.addPatterns(dir, facts.embeds);
    if (this.listing) this.editedDuringList.add(abs);
    const pkg = this.graph?.get(dir);
    if (this.graph && pkg && facts) {
      const added = unknownTo(pkg, facts);
      if (added !== undefined) this.invalidate(`${this.host.filter().relative(abs)} now imports or embeds ${added}`);
    }
    if (!this.graph || !this.host.usesDefaultBuild()) return true;
    return !!pkg;
  }

  /**
   * True for a file the build embeds (//go:embed) though no include glob names it. Before go
   * has answered once, any file in the watched tree might be: it counts.
   */
  embeds(file: string): boolean {
    const abs = path.resolve(file);
    if (!this.answered) return this.host.filter().inTree(abs);
    if (this.embedFiles.has(abs)) return true;
    for (const [dir, patterns] of this.embedPatterns) {
      const rel = path.relative(dir, abs).split(path.sep).join('/');
      if (!rel || rel.startsWith('../') || path.isAbsolute(rel)) continue;
      for (const p of patterns) if (embedMatches(rel, p)) return true;
    }
    return false;
  }

  /** go.mod/go.work the build reads: the ones go named (also above the root), or the root's own. */
  isManifest(file: string): boolean {
    const abs = path.resolve(file);
    const base = path.basename(abs);
    return this.manifests.has(abs) || ((base === 'go.mod' || base === 'go.work') && path.dirname(abs) === path.resolve(this.host.config().root));
  }

  /** The answer no longer describes the code: every Go file counts until go is asked again. */
  invalidate(why: string): void {
    if (this.graph) this.host.log.info(`every Go file counts until the next good build is listed again: ${why}`);
    this.graph = undefined;
    this.importsRun++; // an answer in flight describes older code
  }

  /** Starts work in the background; settled() waits for it (tests, idle()). */
  private track(work: Promise<void>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  async settled(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  /**
   * 'imports': asks go what the main package builds from, unless a fresh answer exists (an edit
   * that changed no import or embed needs no new answer). 'local': re-reads go.mod/go.work.
   */
  refresh(what: 'imports' | 'local', env: NodeJS.ProcessEnv): void {
    if (what === 'imports' && this.graph) return;
    this.track(what === 'imports' ? this.refreshImports(env) : this.refreshLocal(env));
  }

  private async refreshImports(env: NodeJS.ProcessEnv): Promise<void> {
    const run = ++this.importsRun;
    const c = this.host.config();
    this.listing++;
    try {
      const graph = await packageGraph(c.root, c.package, { env, buildFlags: c.buildFlags, go: c.goBinary });
      if (run !== this.importsRun || this.closed) return; // went stale while go was answering
      // go may have read a file before an edit that imports something new: check those edits now.
      const stale = [...this.editedDuringList].find((f) => !describes(graph, f));
      if (stale) {
        this.host.log.info(`${this.host.filter().relative(stale)} was edited while go listed the packages: every Go file counts until the next good build`);
        return;
      }
      for (const p of graph.values()) {
        this.addPatterns(p.dir, p.embedPatterns);
        for (const f of p.embedFiles) this.embedFiles.add(f);
      }
      this.graph = graph;
    } catch (e) {
      // Not only GoQueryError: whatever went wrong, the safe answer is "every Go file counts".
      if (run === this.importsRun) this.graph = undefined;
      this.host.log.info(`could not list the packages ${c.package} builds from, so every Go file counts: ${(e as Error).message}`);
    } finally {
      if (--this.listing === 0) this.editedDuringList.clear();
      if (!this.closed) this.answered = true;
    }
  }

  private addPatterns(dir: string, patterns: string[]): void {
    const set = this.embedPatterns.get(dir) ?? new Set<string>();
    for (const p of patterns) set.add(p);
    this.embedPatterns.set(dir, set);
  }

  /** Reads go.mod/go.work for local modules and watches exactly those folders. */
  private async refreshLocal(env: NodeJS.ProcessEnv): Promise<void> {
    // go.mod or go.work changed: which folders hold imported packages is unknown until the next
    // good build is listed again, so every file counts meanwhile (and an answer in flight is stale).
    this.invalidate('go.mod or go.work changed');
    const c = this.host.config();
    let found: { dirs: string[]; manifests: string[] };
    try {
      found = await localModuleDirs(c.root, { env, go: c.goBinary });
    } catch (e) {
      this.host.log.info(`could not read go.mod/go.work for local modules: ${(e as Error).message}`);
      return;
    }
    if (this.closed) return;
    this.manifests = new Set(found.manifests.map((m) => path.resolve(m)));
    await this.watchManifests([...this.manifests], found.dirs, c.root);
    if (this.closed) return;
    const filter = this.host.filter();
    filter.extraRoots = found.dirs;
    const keep = this.watchers.filter((w) => found.dirs.includes(w.dir));
    await Promise.all(this.watchers.filter((w) => !keep.includes(w)).map((w) => w.close()));
    this.watchers = keep;
    for (const dir of found.dirs) {
      if (this.watchers.some((w) => w.dir === dir)) continue;
      const w = watchTree(dir, filter, { onChange: (f) => this.host.onChange(f), onError: (e) => this.host.log.warn(`watching ${dir}: ${e.message}`) });
      await w.ready; // listed only once it sees changes (tests and the log rely on that)
      if (this.closed || this.watchers.some((x) => x.dir === dir)) {
        await w.close();
        continue;
      }
      this.watchers.push({ dir, close: w.close });
      this.host.log.info(`watching the local module ${dir} (named by ${found.manifests.map((m) => path.basename(m)).join(', ')})`);
    }
  }

  /** Watches the manifests no tree watcher sees, so editing a go.work above the module moves the watch too. */
  private async watchManifests(manifests: string[], dirs: string[], root: string): Promise<void> {
    const inside = (f: string, d: string) => {
      const rel = path.relative(d, f);
      return rel !== '' && !rel.startsWith('..' + path.sep) && rel !== '..' && !path.isAbsolute(rel);
    };
    const outside = manifests.filter((m) => !inside(m, root) && !dirs.some((d) => inside(m, d))).sort();
    const key = outside.join('\n');
    if (this.manifestWatch?.files === key) return;
    await this.manifestWatch?.close();
    this.manifestWatch = undefined;
    if (!outside.length) return;
    const w = watchFiles(outside, {
      onChange: (f) => this.host.onChange(f),
      onError: (e) => this.host.log.warn(`watching ${outside.join(', ')}: ${e.message}`),
    });
    await w.ready;
    this.manifestWatch = { files: key, close: w.close };
    this.host.log.info(`watching ${outside.join(', ')} (outside the module)`);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.manifestWatch?.close();
    this.manifestWatch = undefined;
    this.graph = undefined;
    this.importsRun++;
    const ws = this.watchers;
    this.watchers = [];
    await Promise.all(ws.map((w) => w.close()));
  }

  /** The engine starts again after a stop: nothing known is trusted from before. */
  reopen(): void {
    this.closed = false;
    this.answered = false;
    this.embedPatterns.clear();
    this.embedFiles.clear();
  }
}

/** True when the answer already covers what `file` imports and embeds (or its package is not built). */
function describes(graph: Map<string, ListedPackage>, file: string): boolean {
  const pkg = graph.get(path.dirname(file));
  const facts = goFileFacts(file);
  return !pkg || !facts || unknownTo(pkg, facts) === undefined;
}

/** The first import or //go:embed pattern of a file that go's answer for its package does not list. */
function unknownTo(pkg: ListedPackage, facts: GoFileFacts): string | undefined {
  return facts.imports.find((i) => !pkg.imports.has(i)) ?? facts.embeds.find((e) => !pkg.embedPatterns.includes(e));
}

/**
 * Whether `rel` (a path relative to the package folder) is matched by a //go:embed pattern: the
 * pattern names the file, or a folder above it (go embeds folders recursively). Go also skips
 * names starting with '.' or '_' in folders unless the pattern says `all:`; counting them anyway
 * only costs a build.
 */
export function embedMatches(rel: string, pattern: string): boolean {
  const p = pattern.replace(/^all:/, '');
  const parts = rel.split('/');
  for (let i = parts.length; i > 0; i--) {
    if (picomatch.isMatch(parts.slice(0, i).join('/'), p, { dot: true })) return true;
  }
  return false;
}
