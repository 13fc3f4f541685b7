import * as fs from 'node:fs';
import * as path from 'node:path';
import { t } from '../util/l10n';

/**
 * Finds the `go` binary the way the Go extension (golang/vscode-go) does, so Gopher Reload works
 * where the Go extension works: when the extension host's PATH lacks Go (VS Code launched from a
 * dock, a login shell whose profile does not add /usr/local/go/bin, a remote server). Pure: the
 * file system is injected, nothing here reads process.env or imports vscode.
 *
 * Order (see docs/native-notes.md for why):
 *   1. `go.alternateTools.go` when it is a path (absolute after ~ / ${env:X} / ${workspaceFolder});
 *   2. `go.goroot` + /bin, which replaces $GOROOT (vscode-go sets GOROOT from it);
 *   3. `$GOROOT/bin`;
 *   4. PATH, in order (/snap/bin/go is swapped for /snap/go/current/bin/go, as vscode-go does);
 *   5. default install locations for the platform.
 * A `go.alternateTools.go` that is a bare name (`go1.22.4`) is searched for in 2–5 instead of `go`.
 */

export type GoVia = 'go.alternateTools.go' | 'go.goroot' | '$GOROOT/bin' | 'PATH' | 'default location';

export interface FindGoOptions {
  /** The `go.goroot` setting (raw, as the user wrote it). */
  goroot?: string;
  /** `go.alternateTools.go` (raw): a path to a go binary, or the name of one to search for. */
  alternateTool?: string;
  /** The environment whose GOROOT and PATH are searched (on Windows the names are case-insensitive). */
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  /** The user's home folder (for ~ and the default locations under it). */
  home: string;
  /** For ${workspaceFolder} in the settings, as vscode-go expands it. */
  workspaceFolder?: string;
  /** Whether an executable file exists there. Default: a regular file that passes fs.accessSync X_OK. */
  exists?: (file: string) => boolean;
  /** The names in a folder ([] when it can't be read). Default: fs.readdirSync. Used for ~/sdk/go*. */
  listDir?: (dir: string) => string[];
}

export interface GoFound {
  path: string;
  via: GoVia;
  /** The file name that was searched for: `go`/`go.exe`, or the name go.alternateTools.go gives. */
  name: string;
  looked: string[];
  /** Settings or PATH entries that were not used, and why (for the log). */
  notes: string[];
  notFound?: undefined;
}
export interface GoNotFound {
  notFound: true;
  looked: string[];
  notes: string[];
}
export type FindGoResult = GoFound | GoNotFound;

export function defaultExists(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function defaultListDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** An environment variable; on Windows the name is case-insensitive (Path, PATH). */
export function envValue(env: Record<string, string | undefined>, name: string, platform: NodeJS.Platform): string | undefined {
  if (env[name] !== undefined) return env[name];
  if (platform !== 'win32') return undefined;
  const key = Object.keys(env).find((k) => k.toUpperCase() === name.toUpperCase());
  return key === undefined ? undefined : env[key];
}

/** ~, ${env:X}, ${workspaceFolder}/${workspaceRoot}/${workspaceFolderBasename}, like vscode-go's resolvePath + substituteEnv. */
export function expandSetting(raw: string, o: Pick<FindGoOptions, 'env' | 'platform' | 'home' | 'workspaceFolder'>): string {
  const p = o.platform === 'win32' ? path.win32 : path.posix;
  let s = raw.trim().replace(/\$\{env:([^}]+)\}/g, (_m, name: string) => envValue(o.env, name.trim(), o.platform) ?? '');
  if (o.workspaceFolder) {
    s = s.replace(/\$\{workspaceFolder\}|\$\{workspaceRoot\}/g, o.workspaceFolder);
    s = s.replace(/\$\{workspaceFolderBasename\}/g, p.basename(o.workspaceFolder));
  }
  if (s === '~') return o.home;
  if (s.startsWith('~/') || (o.platform === 'win32' && s.startsWith('~\\'))) return p.join(o.home, s.slice(2));
  return s;
}

/** Version order for ~/sdk/go1.22.4 etc.: newest first; go1.23rc1 sorts before go1.23.0. */
function compareSdkDesc(a: string, b: string): number {
  const parse = (n: string) => {
    const m = /^go(\d+)(?:\.(\d+))?(?:\.(\d+))?(.*)$/.exec(n);
    return m ? [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0), m[4] ? 0 : 1] : [-1, 0, 0, 0];
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return y[i] - x[i];
  return a < b ? 1 : a > b ? -1 : 0;
}

/** The default install folders to look in, in order, for a platform. */
export function defaultGoDirs(o: Pick<FindGoOptions, 'env' | 'platform' | 'home'> & { listDir?: (dir: string) => string[] }): string[] {
  const listDir = o.listDir ?? defaultListDir;
  const win = o.platform === 'win32';
  const p = win ? path.win32 : path.posix;
  const env = (n: string) => envValue(o.env, n, o.platform) || undefined;
  const sdkRoot = p.join(o.home, 'sdk');
  const sdks = listDir(sdkRoot)
    .filter((n) => /^go\d/.test(n))
    .sort(compareSdkDesc)
    .map((n) => p.join(sdkRoot, n, 'bin'));
  // No ~/sdk/go* at all: still name the pattern, so the "not found" message says it was considered.
  const sdkDirs = sdks.length ? sdks : [p.join(sdkRoot, 'go*', 'bin')];
  if (win) {
    const programFiles = env('ProgramFiles') ?? 'C:\\Program Files';
    const programFilesX86 = env('ProgramFiles(x86)') ?? 'C:\\Program Files (x86)';
    const localAppData = env('LOCALAPPDATA') ?? p.join(o.home, 'AppData', 'Local');
    const scoop = env('SCOOP') ?? p.join(o.home, 'scoop');
    const choco = env('ChocolateyInstall') ?? 'C:\\ProgramData\\chocolatey';
    return [
      p.join(programFiles, 'Go', 'bin'), // the official MSI
      p.join(programFilesX86, 'Go', 'bin'),
      p.join(o.home, 'go', 'bin'),
      ...sdkDirs, // golang.org/dl downloads
      p.join(scoop, 'shims'),
      p.join(choco, 'bin'),
      p.join(localAppData, 'Programs', 'Go', 'bin'),
    ];
  }
  return [
    '/usr/local/go/bin', // the official tarball and macOS pkg
    '/usr/local/bin', // vscode-go's second default; Homebrew on Intel macs
    p.join(o.home, 'go', 'bin'),
    ...sdkDirs,
    '/opt/homebrew/bin', // Homebrew on Apple silicon
    '/usr/lib/go/bin', // Debian/Ubuntu golang-go, Arch
    '/snap/go/current/bin', // the Go snap (its /snap/bin/go wrapper misbehaves, vscode-go#166)
  ];
}

export function findGo(o: FindGoOptions): FindGoResult {
  const exists = o.exists ?? defaultExists;
  const win = o.platform === 'win32';
  const p = win ? path.win32 : path.posix;
  const exe = (n: string) => (win && !n.toLowerCase().endsWith('.exe') ? `${n}.exe` : n);
  const looked: string[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  const check = (file: string): boolean => {
    const key = win ? file.toLowerCase() : file;
    if (seen.has(key)) return false;
    seen.add(key);
    looked.push(file);
    return exists(file);
  };

  let name = exe('go');
  const alt = o.alternateTool ? expandSetting(o.alternateTool, o) : '';
  if (alt) {
    if (p.isAbsolute(alt)) {
      if (check(alt)) return { path: alt, via: 'go.alternateTools.go', name: p.basename(alt), looked, notes };
      // Missing: vscode-go then searches for plain go, and so do we (the log names what was missing).
      notes.push(t('go.alternateTools.go "{0}" is not an executable file, so it was not used', o.alternateTool ?? ''));
    } else if (!alt.includes('/') && !alt.includes('\\')) {
      name = exe(alt);
    } else {
      // A relative path with folders (./bin/go) is not something vscode-go resolves either: ignored.
      notes.push(
        t(
          'go.alternateTools.go "{0}" is a relative path, so it was not used (write it absolute, or start it with {1})',
          o.alternateTool ?? '',
          '${workspaceFolder}',
        ),
      );
    }
  }

  const goroot = o.goroot ? expandSetting(o.goroot, o) : '';
  const envGoroot = envValue(o.env, 'GOROOT', o.platform) ?? '';
  // Relative folders are never searched: the go commands run in the project's folder, so a
  // relative one would run a file of the project (Go's own exec.LookPath refuses them too).
  if (goroot && !p.isAbsolute(goroot)) notes.push(t('go.goroot "{0}" is not an absolute path, so it was not used', o.goroot ?? ''));
  else if (goroot) {
    const f = p.join(goroot, 'bin', name);
    if (check(f)) return { path: f, via: 'go.goroot', name, looked, notes };
    notes.push(t('go.goroot "{0}" has no bin/{1}, so it was not used', o.goroot ?? '', name));
  } else if (envGoroot && !p.isAbsolute(envGoroot)) notes.push(t('GOROOT "{0}" is not an absolute path, so it was not used', envGoroot));
  else if (envGoroot) {
    const f = p.join(envGoroot, 'bin', name);
    if (check(f)) return { path: f, via: '$GOROOT/bin', name, looked, notes };
  }

  const pathVar = envValue(o.env, 'PATH', o.platform) ?? '';
  for (let dir of pathVar.split(win ? ';' : ':')) {
    if (win) dir = dir.replace(/^"(.*)"$/, '$1');
    if (!dir) continue;
    if (!p.isAbsolute(dir)) {
      notes.push(t('the PATH entry "{0}" is relative, so it was not searched', dir));
      continue;
    }
    const f = p.join(dir, name);
    if (!check(f)) continue;
    if (!win && name === 'go' && f === '/snap/bin/go' && check('/snap/go/current/bin/go')) {
      return { path: '/snap/go/current/bin/go', via: 'PATH', name, looked, notes };
    }
    return { path: f, via: 'PATH', name, looked, notes };
  }

  for (const dir of defaultGoDirs({ ...o, listDir: o.listDir })) {
    const f = p.join(dir, name);
    if (check(f)) return { path: f, via: 'default location', name, looked, notes };
  }
  return { notFound: true, looked, notes };
}

/** One log line: which go and why. */
export function describeGo(r: GoFound, o: Pick<FindGoOptions, 'alternateTool'> = {}): string {
  const why: Record<GoVia, string> = {
    'go.alternateTools.go': t('the go.alternateTools.go setting'),
    'go.goroot': t('the go.goroot setting'),
    '$GOROOT/bin': 'GOROOT',
    PATH: 'PATH',
    'default location': t('a default install location (it is not on PATH)'),
  };
  const alt = o.alternateTool;
  const named = alt && r.via !== 'go.alternateTools.go' && !r.notes.some((n) => n.includes(alt)) ? t(' (named by go.alternateTools.go: "{0}")', alt) : '';
  const notes = r.notes.map((n) => t(' Note: {0}.', n)).join('');
  return t('Using go at {0}, found through {1}{2}.', r.path, why[r.via], named) + notes;
}

/** The "not found" message: every place looked, in order. */
export function goNotFoundMessage(r: GoNotFound): string {
  const notes = r.notes.map((n) => `\n(${n}.)`).join('');
  return `${t('The Go toolchain was not found. Looked for it at:')}\n${r.looked.map((l) => `  ${l}`).join('\n')}${notes}\n${t('Install Go (https://go.dev/dl/), or set go.goroot or go.alternateTools.go to where it is.')}`;
}
