import { t } from '../util/l10n';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULTS, type EngineConfig } from '../config/config';

/**
 * Where a build writes its binary. On Windows a running .exe is locked, so each build of the
 * default command gets a fresh name and the old file is removed after the swap; elsewhere the
 * go command replaces the file in place (the running server keeps its inode).
 */
export function binaryForBuild(c: EngineConfig, seq: number, platform: NodeJS.Platform = process.platform): string {
  if (platform !== 'win32' || c.buildCommand) return c.binary;
  const ext = path.extname(c.binary);
  return `${c.binary.slice(0, c.binary.length - ext.length)}-${seq}${ext || '.exe'}`;
}

/** What to tell the user when the build command could not even start. */
export function toolchainHint(err: NodeJS.ErrnoException, c: EngineConfig, goNotFound?: string): { message: string; hint: string } {
  const cmd = typeof c.buildCommand === 'string' ? c.buildCommand : (c.buildCommand?.[0] ?? 'go');
  if (err.code === 'ENOENT' && !c.buildCommand) {
    // goNotFound: "not found", every place looked in order (GoToolchain), and what to do.
    if (goNotFound) {
      const [head, ...rest] = goNotFound.split('\n');
      return { message: head, hint: t('{0} Then save again.', rest.join('\n')) };
    }
    return {
      message: t('The Go toolchain was not found: `go` is not on PATH.'),
      hint: t(
        'Install Go (https://go.dev/dl/) and make sure `go version` works in a new terminal, or set gopherReload.buildCommand to the full path of your go binary. Then save again.',
      ),
    };
  }
  if (err.code === 'ENOENT') {
    return {
      message: t('The build command "{0}" was not found.', cmd),
      hint: t('Check gopherReload.buildCommand: the first item must be a program on PATH or a full path (use a single string if you need a shell).'),
    };
  }
  return {
    message: t('The build command "{0}" could not start: {1}.', cmd, err.code ?? err.message),
    hint: t('Check that it is executable and that the workspace folder exists.'),
  };
}

/**
 * Creates the output folder. A folder the engine creates, and its own default `.gopher-reload`,
 * get a `.gitignore` of `*` (as pytest does for .pytest_cache) so `git add -A` never commits
 * 14–74 MB binaries. A folder the user made already is theirs: nothing is written into it, and an
 * existing .gitignore is never touched.
 */
export function ensureOutputDir(c: Pick<EngineConfig, 'root' | 'outputDir'>): void {
  const existed = fs.existsSync(c.outputDir);
  fs.mkdirSync(c.outputDir, { recursive: true });
  const ours = !existed || path.resolve(c.outputDir) === path.resolve(c.root, DEFAULTS.outputDir);
  const ignore = path.join(c.outputDir, '.gitignore');
  if (!ours || fs.existsSync(ignore)) return;
  try {
    fs.writeFileSync(ignore, '# Written by Gopher Reload: built binaries never belong in git.\n*\n', { flag: 'wx' });
  } catch {
    // Created meanwhile by someone else, or a read-only folder: theirs wins.
  }
}
