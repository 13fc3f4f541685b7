import * as path from 'node:path';
import type { EngineConfig } from './config';
import type { ChangeFilter } from './filter';
import { importedPackageDirs, localModuleDirs } from './goList';
import type { Logger } from './log';
import { watchTree } from './watcher';

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
 * - the package directories the main package imports (`go list -deps`), so with several services
 *   a shared package rebuilds every service that imports it, and only those;
 * - local modules outside the root (go.mod `replace ../x`, go.work `use`), which editors do not
 *   watch: they are watched here with chokidar, and re-read when go.mod or go.work change.
 * Until the first answer, and whenever go cannot answer, every change counts (never miss one).
 */
export class ModuleScope {
  private imported?: Set<string>;
  private manifests = new Set<string>();
  private watchers: { dir: string; close(): Promise<void> }[] = [];
  private importsRun = 0;
  private closed = false;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly host: ScopeHost) {}

  /** Local module folders being watched (for the log, tests and the tooltip). */
  get localDirs(): string[] {
    return this.watchers.map((w) => w.dir);
  }

  /** False for a Go file in a package the server does not import (it cannot change the binary). */
  affects(file: string): boolean {
    if (!this.imported || !this.host.usesDefaultBuild() || !file.endsWith('.go')) return true;
    return this.imported.has(path.dirname(path.resolve(file)));
  }

  isManifest(file: string): boolean {
    return this.manifests.has(path.resolve(file));
  }

  /** Starts work in the background; settled() waits for it (tests, idle()). */
  private track(work: Promise<void>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  async settled(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  refresh(what: 'imports' | 'local', env: NodeJS.ProcessEnv): void {
    this.track(what === 'imports' ? this.refreshImports(env) : this.refreshLocal(env));
  }

  /** Re-asks which packages the server imports (after each good build: imports may have changed). */
  private async refreshImports(env: NodeJS.ProcessEnv): Promise<void> {
    if (!this.host.usesDefaultBuild()) return;
    const run = ++this.importsRun;
    const c = this.host.config();
    try {
      const dirs = await importedPackageDirs(c.root, c.package, { env, buildFlags: c.buildFlags });
      if (run === this.importsRun && !this.closed) this.imported = dirs;
    } catch (e) {
      // Not only GoQueryError: whatever went wrong, the safe answer is "every file counts".
      this.imported = undefined;
      this.host.log.info(`could not list the packages ${c.package} imports, so every Go file counts: ${(e as Error).message}`);
    }
  }

  /** Reads go.mod/go.work for local modules and watches exactly those folders. */
  private async refreshLocal(env: NodeJS.ProcessEnv): Promise<void> {
    // go.mod or go.work changed: which folders hold imported packages is unknown until the next
    // good build is listed again, so every file counts meanwhile (and an answer in flight is stale).
    this.imported = undefined;
    this.importsRun++;
    const c = this.host.config();
    let found: { dirs: string[]; manifests: string[] };
    try {
      found = await localModuleDirs(c.root, { env });
    } catch (e) {
      this.host.log.info(`could not read go.mod/go.work for local modules: ${(e as Error).message}`);
      return;
    }
    if (this.closed) return;
    this.manifests = new Set(found.manifests.map((m) => path.resolve(m)));
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

  async close(): Promise<void> {
    this.closed = true;
    this.imported = undefined;
    const ws = this.watchers;
    this.watchers = [];
    await Promise.all(ws.map((w) => w.close()));
  }

  /** The engine starts again after a stop. */
  reopen(): void {
    this.closed = false;
  }
}
