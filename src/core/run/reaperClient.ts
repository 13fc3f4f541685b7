import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { TREE_ENV } from './procScan';

/*
 * Registers process groups and their tree markers with the reaper (see src/reaper/main.ts), so a server or
 * build survives its parent only until the reaper notices the parent is gone. One reaper per
 * parent process, started on first use; it costs nothing on the reload path (one line written
 * per start and stop).
 */
let reaper: ChildProcess | undefined;
let unavailable = false;

function ensure(): ChildProcess | undefined {
  if (reaper || unavailable) return reaper;
  // dist/reaper.js beside the bundle; in tests (tsc output), out/src/reaper/main.js.
  const script = [path.join(__dirname, 'reaper.js'), path.join(__dirname, '..', '..', 'reaper', 'main.js')].find((f) => existsSync(f));
  if (!script) {
    unavailable = true;
    return undefined;
  }
  try {
    reaper = spawn(process.execPath, [script], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true, // its own group: a kill of our group or tree must not take it with us
      windowsHide: true,
      // In VS Code, execPath is Electron: run it as plain Node. It belongs to no tree (a tree
      // marker we inherited would let whoever started us kill it along with us, leaving our
      // trees unreaped); it exits by itself when we are gone.
      env: { ...process.env, [TREE_ENV]: undefined, ELECTRON_RUN_AS_NODE: '1' },
    });
    reaper.on('error', () => {
      unavailable = true;
      reaper = undefined;
    });
    reaper.on('exit', () => (reaper = undefined));
    reaper.stdin?.on('error', () => {});
    // Neither the process nor its pipe may keep our event loop (a CLI, a test run) alive.
    reaper.unref();
    (reaper.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  } catch {
    unavailable = true;
  }
  return reaper;
}

/** `marker`: the tree's GOPHER_RELOAD_TREE value, so the reaper also finds what left the group. */
export function registerGroup(pid: number | undefined, marker?: string): void {
  if (pid !== undefined) ensure()?.stdin?.write(marker ? `+${pid} ${marker}\n` : `+${pid}\n`);
}

export function releaseGroup(pid: number | undefined): void {
  if (pid !== undefined) reaper?.stdin?.write(`-${pid}\n`);
}
