import type { ChildProcess } from 'node:child_process';
import { spawnCommand } from './command';
import { LineRing } from './ringBuffer';
import { descendantsOf, groupMayHaveMembers, isAlive, killTree, listProcesses, signalQuietly, sleep, treeMembers, within } from './processTree';
import type { StopSignal } from './config';
import { registerGroup, releaseGroup } from './reaperClient';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StopResult {
  /** True when everything exited on the stop signal, before the kill delay ran out. */
  graceful: boolean;
  durationMs: number;
  /** Pids that were still alive after SIGKILL (should be empty; reported if not). */
  survivors: number[];
}

/**
 * One running server binary and everything it spawned. It runs in its own process group, so a
 * stop reaches children the way Ctrl-C in a terminal would, and escalates to killing the tree.
 */
export class ServerProcess {
  readonly pid: number;
  readonly startedAt = performance.now();
  readonly output = new LineRing(200);
  readonly exited: Promise<ExitInfo>;
  exitInfo?: ExitInfo;
  stopping = false;
  private constructor(child: ChildProcess, onOutput: (text: string, stream: 'stdout' | 'stderr') => void) {
    this.pid = child.pid!;
    const forward = (stream: 'stdout' | 'stderr') => (b: Buffer) => {
      const text = b.toString('utf8');
      this.output.push(text);
      onOutput(text, stream);
    };
    child.stdout?.on('data', forward('stdout'));
    child.stderr?.on('data', forward('stderr'));
    // 'exit', not 'close': a child that inherited stdout would keep 'close' from ever firing.
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        if (!this.stopping && process.platform !== 'win32') {
          // It died on its own: whatever it spawned is orphaned and may hold the port. Its group
          // is still ours to clean up (its pid cannot be reused while members live).
          signalQuietly(-this.pid, 'SIGKILL');
          releaseGroup(this.pid);
        }
        resolve(this.exitInfo);
      }),
    );
    registerGroup(this.pid);
  }

  /** Starts `binary args...`; rejects with the spawn error (ENOENT, EACCES) instead of a late 'error' event. */
  static start(
    binary: string,
    args: string[],
    opts: { cwd: string; env: NodeJS.ProcessEnv },
    onOutput: (text: string, stream: 'stdout' | 'stderr') => void,
  ): Promise<ServerProcess> {
    return new Promise((resolve, reject) => {
      let child: ChildProcess;
      try {
        child = spawnCommand([binary, ...args], opts.cwd, opts.env);
      } catch (e) {
        reject(e);
        return;
      }
      child.once('error', reject);
      child.once('spawn', () => {
        child.removeListener('error', reject);
        child.on('error', () => {}); // later errors (EPIPE...) are not fatal to the engine
        resolve(new ServerProcess(child, onOutput));
      });
    });
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  /** Pids of this server's tree that are alive now (the group plus descendants that left it). */
  members(): number[] {
    if (process.platform === 'win32') return this.alive ? [this.pid] : [];
    return treeMembers(this.pid, this.pid, listProcesses());
  }

  /** What is still alive of the tree: the server, the snapshot, and (if any) its group. */
  private leftovers(snapshot: Set<number>): number[] {
    const left = new Set([...snapshot].filter(isAlive));
    if (this.alive) left.add(this.pid);
    // Only scan /proc for group members when the kernel says the group is not empty.
    if (groupMayHaveMembers(this.pid)) for (const p of treeMembers(-1, this.pid)) left.add(p);
    return [...left];
  }

  /**
   * Graceful stop: `signal` to the group, wait up to `killDelayMs` for every member to exit,
   * then SIGKILL the tree (tree-kill) and the group. Children that ignore the signal or outlive
   * their parent are in the snapshot taken first, so they are killed too.
   */
  async stop(signal: StopSignal, killDelayMs: number): Promise<StopResult> {
    this.stopping = true;
    const t0 = performance.now();
    if (process.platform === 'win32') {
      await killTree(this.pid, 'SIGKILL');
      await this.exited;
      return { graceful: false, durationMs: Math.round(performance.now() - t0), survivors: [] };
    }
    // Descendants now, while the tree is intact: children that left the group are still found.
    const snapshot = new Set(descendantsOf(this.pid));
    signalQuietly(-this.pid, signal);
    signalQuietly(this.pid, signal);
    const deadline = performance.now() + killDelayMs;
    // Event-driven: most servers exit at once on the signal, and every millisecond here is
    // downtime (the port is closed until the new server starts).
    if (this.alive) await within(this.exited, killDelayMs);
    let left = this.leftovers(snapshot);
    while (left.length && performance.now() < deadline) {
      await sleep(5);
      left = this.leftovers(snapshot);
    }
    const graceful = left.length === 0;
    if (!graceful) {
      if (this.alive) await killTree(this.pid, 'SIGKILL');
      signalQuietly(-this.pid, 'SIGKILL');
      for (const p of left) signalQuietly(p, 'SIGKILL');
      const killDeadline = performance.now() + 3000;
      while ((left = this.leftovers(snapshot)).length && performance.now() < killDeadline) await sleep(5);
    }
    if (this.alive) await within(this.exited, 1000);
    if (left.length === 0) releaseGroup(this.pid);
    return { graceful, durationMs: Math.round(performance.now() - t0), survivors: left };
  }
}
