import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The go command could not answer: what failed, then go's own stderr. */
export class GoQueryError extends Error {}

export interface GoQueryOptions {
  env?: NodeJS.ProcessEnv;
  /** Per go invocation; default 60000. A cold module cache can make the first `go list` slow. */
  timeoutMs?: number;
  /** The user's `go build` flags; only those that change which packages are built are used. */
  buildFlags?: string[];
  /** The go binary (the engine's GoToolchain); default `go` on PATH. */
  go?: string;
}

const STDERR_CAP = 4000;

/** Runs go with argv (no shell) in cwd and returns stdout, or throws a GoQueryError. */
function runGo(args: string[], dir: string, opts: GoQueryOptions): Promise<string> {
  const cwd = path.resolve(dir);
  const what = `go ${args.slice(0, 2).join(' ')}`;
  return new Promise((resolve, reject) => {
    // PWD=cwd makes go report paths under cwd as given, not through resolved symlinks (macOS /var -> /private/var).
    const env = { ...(opts.env ?? process.env), PWD: cwd };
    const options = { cwd, env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 << 20, windowsHide: true, encoding: 'utf8' as const };
    execFile(opts.go ?? 'go', args, options, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null };
      // A missing cwd also fails with ENOENT; say which of the two it was.
      const msg =
        e.code === 'ENOENT'
          ? fs.existsSync(cwd)
            ? `Go was not found (${opts.go ?? 'go'}; install Go, or set go.goroot or go.alternateTools.go)`
            : `${what} failed: folder ${cwd} does not exist`
          : e.killed && e.signal
            ? `${what} timed out after ${options.timeout} ms in ${cwd}`
            : `${what} failed in ${cwd}`;
      const detail = stderr.trim();
      reject(new GoQueryError(detail ? `${msg}: ${detail.length > STDERR_CAP ? detail.slice(0, STDERR_CAP) + ' …' : detail}` : msg));
    });
  });
}

// Flags that change which files and packages a build selects; the rest (-ldflags, -race, -o...) don't.
const SELECTION_FLAG = /^--?(tags|mod|modfile)(=|$)/;

function selectionFlags(buildFlags: readonly string[] = []): { argv: string[]; modfile?: string } {
  const argv: string[] = [];
  let modfile: string | undefined;
  for (let i = 0; i < buildFlags.length; i++) {
    const m = SELECTION_FLAG.exec(buildFlags[i]);
    if (!m) continue;
    // `-tags x` carries its value in the next argument, `-tags=x` in the same one.
    const value = m[2] ? buildFlags[i].slice(m[0].length) : buildFlags[i + 1];
    argv.push(...(m[2] || value === undefined ? [buildFlags[i]] : [buildFlags[i], buildFlags[++i]]));
    if (m[1] === 'modfile') modfile = value;
  }
  return { argv, modfile };
}

/**
 * Directories (absolute, normalised) of every non-standard-library package that `pkg` (a package
 * pattern as `go build` in `root` would take it, e.g. "." or "./cmd/api") depends on, its own included.
 */
export async function importedPackageDirs(root: string, pkg: string, opts: GoQueryOptions = {}): Promise<Set<string>> {
  // `--` so that a package named like a flag is still read as a package.
  const args = ['list', '-deps', '-f', '{{if not .Standard}}{{.Dir}}{{end}}', ...selectionFlags(opts.buildFlags).argv, '--', pkg];
  const out = await runGo(args, root, opts);
  const dirs = new Set<string>();
  for (const line of out.split(/\r?\n/)) if (line.trim()) dirs.add(path.resolve(root, line.trim()));
  return dirs;
}

/** One package of a main package's build, as `go list -deps -json` describes it. */
export interface ListedPackage {
  dir: string;
  /** Import paths its (non-test) files import, as written in the source (ImportMap keys included). */
  imports: Set<string>;
  /** Its //go:embed patterns, as written. */
  embedPatterns: string[];
  /** The files those patterns matched when go listed them (absolute). */
  embedFiles: string[];
}

interface ListJson {
  Dir?: string;
  Standard?: boolean;
  Imports?: string[];
  ImportMap?: Record<string, string>;
  EmbedPatterns?: string[];
  EmbedFiles?: string[];
}

/**
 * Every non-standard package `pkg` builds from, with what each imports and embeds: the answer the
 * change scope checks later edits against (an edit that imports or embeds something new makes it
 * stale). `-e` so a package with errors is still described rather than failing the whole list.
 */
export async function packageGraph(root: string, pkg: string, opts: GoQueryOptions = {}): Promise<Map<string, ListedPackage>> {
  const fields = 'Dir,Standard,Imports,ImportMap,EmbedPatterns,EmbedFiles';
  const args = ['list', '-e', '-deps', `-json=${fields}`, ...selectionFlags(opts.buildFlags).argv, '--', pkg];
  const out = await runGo(args, root, opts);
  // The go command prints one JSON object per package, one after the other (not an array).
  const objects = jsonStream<ListJson>(out, 'go list -json');
  const graph = new Map<string, ListedPackage>();
  for (const p of objects) {
    if (p.Standard || !p.Dir) continue;
    const dir = path.resolve(root, p.Dir);
    graph.set(dir, {
      dir,
      imports: new Set([...(p.Imports ?? []), ...Object.keys(p.ImportMap ?? {})]),
      embedPatterns: p.EmbedPatterns ?? [],
      embedFiles: (p.EmbedFiles ?? []).map((f) => path.resolve(dir, f)),
    });
  }
  return graph;
}

interface ModReplace {
  New: { Path: string; Version?: string };
}
interface GoModJson {
  Replace?: ModReplace[] | null;
}
interface GoWorkJson {
  Use?: { DiskPath: string }[] | null;
  Replace?: ModReplace[] | null;
}

// A replacement without a version whose path is a file-system path (as cmd/go's modfile decides).
function localReplaces(replaces: ModReplace[] | null | undefined, base: string): string[] {
  return (replaces ?? [])
    .filter((r) => !r.New.Version && (path.isAbsolute(r.New.Path) || /^\.\.?([\\/]|$)/.test(r.New.Path)))
    .map((r) => path.resolve(base, r.New.Path));
}

/**
 * Values printed one after another (`go list -json`): split where a top-level value ends, aware
 * of strings, so `{}` (what go prints for a package it cannot find, with -e) or braces inside
 * strings never break the split.
 */
export function jsonStream<T>(text: string, what: string): T[] {
  const out: T[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth++ === 0) start = i;
    } else if (c === '}' || c === ']') {
      if (--depth === 0) out.push(parseJson<T>(text.slice(start, i + 1), what));
    }
  }
  if (depth !== 0) throw new GoQueryError(`${what} printed an incomplete JSON value`);
  return out;
}

function parseJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new GoQueryError(`${what} printed something that is not JSON: ${text.slice(0, 200)}`);
  }
}

/**
 * Folders outside `root` whose Go code the module at `root` builds from: local `replace` targets of
 * its go.mod and, when a go.work applies, the workspace's `use` folders and local replaces.
 * Only existing folders not inside root; deduplicated, sorted. `manifests` are the go.mod and go.work
 * files consulted (watch these to refresh), even when they name no folder yet.
 */
export async function localModuleDirs(root: string, opts: GoQueryOptions = {}): Promise<{ dirs: string[]; manifests: string[] }> {
  root = path.resolve(root);
  const goEnv = parseJson<{ GOMOD?: string; GOWORK?: string }>(await runGo(['env', '-json', 'GOMOD', 'GOWORK'], root, opts), 'go env');
  // GOMOD is os.DevNull outside a module and "" with GO111MODULE=off; GOWORK is "" or "off" without a workspace.
  const goMod = goEnv.GOMOD && goEnv.GOMOD !== '/dev/null' && goEnv.GOMOD !== 'NUL' ? goEnv.GOMOD : undefined;
  const goWork = goEnv.GOWORK && goEnv.GOWORK !== 'off' ? path.resolve(root, goEnv.GOWORK) : undefined;
  // With -modfile the build reads its requirements and replaces from that file instead.
  const { modfile } = selectionFlags(opts.buildFlags);
  const modManifest = goMod && (modfile ? path.resolve(root, modfile) : goMod);

  const [mod, work] = await Promise.all([
    modManifest ? runGo(['mod', 'edit', '-json', modManifest], root, opts).then((t) => parseJson<GoModJson>(t, 'go mod edit -json')) : undefined,
    goWork ? runGo(['work', 'edit', '-json', goWork], root, opts).then((t) => parseJson<GoWorkJson>(t, 'go work edit -json')) : undefined,
  ]);
  const candidates: string[] = [];
  // Relative replace paths are relative to the module's folder, not to an alternate -modfile's.
  if (mod && goMod) candidates.push(...localReplaces(mod.Replace, path.dirname(goMod)));
  if (work && goWork) {
    const base = path.dirname(goWork);
    candidates.push(...(work.Use ?? []).map((u) => path.resolve(base, u.DiskPath)), ...localReplaces(work.Replace, base));
  }

  const outside = [...new Set(candidates)].filter((d) => {
    const rel = path.relative(root, d);
    return rel !== '' && (rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel));
  });
  const exists = await Promise.all(
    outside.map((d) =>
      fs.promises.stat(d).then(
        (s) => s.isDirectory(),
        () => false,
      ),
    ),
  );
  const dirs = outside.filter((_, i) => exists[i]).sort();
  const manifests = [modManifest, goWork].filter((m): m is string => m !== undefined);
  return { dirs, manifests };
}
