import { watch, type FSWatcher } from 'chokidar';
import type { ChangeFilter } from './filter';

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
  const w: FSWatcher = watch(root, {
    ignoreInitial: true,
    ignored: (p: string) => filter.prunesDirectory(p),
    usePolling: o.pollIntervalMs !== undefined,
    interval: o.pollIntervalMs,
    binaryInterval: o.pollIntervalMs,
  });
  const forward = (p: string) => o.onChange(p);
  w.on('add', forward).on('change', forward).on('unlink', forward);
  w.on('error', (e) => o.onError?.(e as Error));
  const ready = new Promise<void>((r) => w.once('ready', () => r()));
  return { ready, close: () => w.close() };
}
