import * as fs from 'node:fs';
import * as path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { ChangeFilter } from './filter';
import { within } from '../util/paths';

export interface WatchOptions {
  /** Poll instead of native events (WSL2 and Docker bind mounts deliver no inotify events). */
  pollIntervalMs?: number;
  onChange: (absPath: string) => void;
  onError?: (e: Error) => void;
}

/**
 * Watches a tree with chokidar, never entering excluded directories (vendor/, node_modules/),
 * so a 20,000-file workspace costs only what the relevant part costs. The engine still applies
 * the full filter to each event; this is pruning, not the decision.
 */
export function watchTree(root: string, filter: ChangeFilter, o: WatchOptions): { ready: Promise<void>; close(): Promise<void> } {
  let realRoot = root;
  try {
    realRoot = fs.realpathSync(root);
  } catch {
    // A missing root: chokidar reports it.
  }
  const w: FSWatcher = watch(root, {
    ignoreInitial: true,
    ignored: (p: string) => filter.prunesDirectory(p) || redundantLink(p, realRoot),
    usePolling: o.pollIntervalMs !== undefined,
    interval: o.pollIntervalMs,
    binaryInterval: o.pollIntervalMs,
  });
  const forward = withTrailingCheck((p) => o.onChange(p));
  w.on('add', forward).on('change', forward).on('unlink', forward);
  w.on('error', (e) => o.onError?.(e as Error));
  const ready = new Promise<void>((r) => w.once('ready', () => r()));
  return { ready, close: () => (forward.cancel(), w.close()) };
}

/** Longer than chokidar's 50 ms throttle of 'change' events per path. */
const TRAILING_CHECK_MS = 75;

/**
 * chokidar drops a second 'change' of the same path within 50 ms and never reports it later
 * (its throttle has no trailing event): a save 20 ms after another was lost, and the server kept
 * the first. So every event is reported once more after TRAILING_CHECK_MS. That costs nothing
 * when nothing changed since: the engine decides by content, and an identical one is dropped.
 */
function withTrailingCheck(report: (p: string) => void): ((p: string) => void) & { cancel(): void } {
  const timers = new Map<string, NodeJS.Timeout>();
  const forward = (p: string) => {
    report(p);
    clearTimeout(timers.get(p));
    const t = setTimeout(() => {
      timers.delete(p);
      report(p);
    }, TRAILING_CHECK_MS);
    t.unref();
    timers.set(p, t);
  };
  return Object.assign(forward, {
    cancel: () => {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  });
}

/**
 * True for a symlink to a directory that following would only repeat: one that points to its own
 * folder or an ancestor (`up -> ..`, `self -> .`: chokidar would recurse without end, gigabytes in
 * seconds), or into the watched tree (watched already). A link to a package folder elsewhere is
 * followed, so its edits still count.
 */
export function redundantLink(p: string, realRoot: string): boolean {
  try {
    if (!fs.lstatSync(p).isSymbolicLink()) return false;
    const target = fs.realpathSync(p);
    if (!fs.statSync(target).isDirectory()) return false;
    return within(fs.realpathSync(path.dirname(p)), target) || within(target, realRoot);
  } catch {
    return false; // a dangling link or one removed meanwhile: nothing to follow
  }
}

/**
 * Watches single files (a go.work in a folder above the module): chokidar on the file itself,
 * so a change there is seen without watching the whole parent tree.
 */
export function watchFiles(files: string[], o: WatchOptions): { ready: Promise<void>; close(): Promise<void> } {
  const w: FSWatcher = watch(files, { ignoreInitial: true, usePolling: o.pollIntervalMs !== undefined, interval: o.pollIntervalMs });
  const forward = withTrailingCheck((p) => o.onChange(path.resolve(p)));
  w.on('add', forward).on('change', forward).on('unlink', forward);
  w.on('error', (e) => o.onError?.(e as Error));
  const ready = new Promise<void>((r) => w.once('ready', () => r()));
  return { ready, close: () => (forward.cancel(), w.close()) };
}
