import type { ChildProcess } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { spawnCommand } from '../build/command';
import { LineRing } from '../util/ringBuffer';
import {
  descendantsOf,
  groupMayHaveMembers,
  isAlive,
  killSweep,
  killTree,
  listProcesses,
  signalQuietly,
  sleep,
  sweepTree,
  treeMembers,
  within,
  type TreeId,
} from './processTree';
import { newTreeMarker, readStat, startTicks, withTreeMarker } from './procScan';
import type { StopSignal } from '../config/config';
import { registerGroup, releaseGroup } from './reaperClient';
import { debuggeeAlive, debuggeeOf, delveArgv, ListeningLine, pausedInDebugger, type DelveLaunch } from './debuggee';

const DELVE_NOISE = /^\s*(Stop reason: exited|could not detach process \d+: process must be stopped in order to kill it)\s*$/;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Run under Delve: the program's own exit status is not known here (Delve exits 0 whatever it was). */
  underDelve?: boolean;
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
 * Its environment carries a tree marker (see procScan.ts): what escaped the group and the tree
 * (a daemon in its own session, re-parented to init) is still found at stop and crash time.
 */
export class ServerProcess {
  readonly pid: number;
  readonly startedAt = performance.now();
  readonly output = new LineRing(200);
  readonly exited: Promise<ExitInfo>;
  exitInfo?: ExitInfo;
  stopping = false;
  /** Pids killed because the server died on its own and left them (crash orphans). */
  orphansKilled: number[] = [];
  private readonly tree: TreeId;
  /** Under Delve: where it listens, once its first line said so (rejects if it exits first). */
  readonly listening?: Promise<{ host: string; port: number }>;
  /** Under Delve: it said where it listens (else it never got to start the program). */
  heard = false;
  /** Under Delve: the program's pid (Delve's child), once seen. */
  debuggee?: number;
  private debuggeeWatch?: NodeJS.Timeout;
  private constructor(
    child: ChildProcess,
    marker: string,
    onOutput: (text: string, stream: 'stdout' | 'stderr') => void,
    readonly delve?: DelveLaunch,
  ) {
    this.pid = child.pid!;
    this.tree = { pid: this.pid, marker, start: startTicks(this.pid) };
    const line = delve ? new ListeningLine() : undefined;
    let heard: (where: { host: string; port: number }) => void = () => {};
    if (delve) this.listening = new Promise((resolve) => (heard = resolve));
    const forward = (stream: 'stdout' | 'stderr') => {
      // One decoder per stream: a multi-byte character split across two chunks stays whole.
      const decoder = new StringDecoder('utf8');
      const emit = (text: string) => {
        if (line && stream === 'stdout' && !line.done) {
          const r = line.feed(text);
          if (r.port !== undefined) {
            this.heard = true;
            heard({ host: r.host!, port: r.port });
          }
          text = r.rest;
        }
        // Delve's own words when its program ends or is killed while stopped (the engine says those in its own).
        if (delve && DELVE_NOISE.test(text)) return;
        if (!text) return;
        this.output.push(text);
        onOutput(text, stream);
      };
      child[stream]?.on('data', (b: Buffer) => emit(decoder.write(b)));
      child[stream]?.on('end', () => emit(decoder.end()));
    };
    forward('stdout');
    forward('stderr');
    // 'exit', not 'close': a child that inherited stdout would keep 'close' from ever firing.
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        if (this.debuggeeWatch) clearInterval(this.debuggeeWatch);
        this.exitInfo = delve ? { code: null, signal: null, underDelve: true } : { code, signal };
        if (!this.stopping && process.platform !== 'win32') {
          // It died on its own: whatever it spawned is orphaned and may hold the port. No parent
          // is left to stop them gracefully and the crash restart needs the port in 500 ms, so
          // they get SIGKILL at once (the reload path's last step), wherever they went.
          this.orphansKilled = killSweep(this.tree);
          releaseGroup(this.pid);
        }
        resolve(this.exitInfo);
      }),
    );
    registerGroup(this.pid, marker);
    // Delve starts the program (held at its entry point) before it says where it listens.
    if (delve) void this.listening!.then(() => this.watchDebuggee());
  }

  /**
   * Headless Delve outlives its program (a client may still want to look): when the program
   * exits on its own, Delve is stopped too, so this tree exits the way a plain server's would.
   */
  private watchDebuggee(): void {
    let looked = 0;
    const check = () => {
      if (this.exitInfo) return;
      if (this.debuggee === undefined) {
        this.debuggee = debuggeeOf(this.pid);
        // Not there 1 s after Delve listened (it starts the program first): it is already gone.
        if (this.debuggee === undefined && ++looked < 10) return;
      }
      if (this.stopping || (this.debuggee !== undefined && debuggeeAlive(this.debuggee))) return;
      clearInterval(this.debuggeeWatch);
      signalQuietly(-this.pid, 'SIGTERM');
      void within(this.exited, 2000).then((r) => {
        if (!r) void killTree(this.pid, 'SIGKILL');
      });
    };
    check();
    this.debuggeeWatch = setInterval(check, 100);
    this.debuggeeWatch.unref?.();
  }

  /** Starts `binary args...`; rejects with the spawn error (ENOENT, EACCES) instead of a late 'error' event. */
  static start(
    binary: string,
    args: string[],
    opts: { cwd: string; env: NodeJS.ProcessEnv },
    onOutput: (text: string, stream: 'stdout' | 'stderr') => void,
    delve?: DelveLaunch,
  ): Promise<ServerProcess> {
    return new Promise((resolve, reject) => {
      let child: ChildProcess;
      const marker = newTreeMarker();
      try {
        child = spawnCommand(delve ? delveArgv(delve, binary, args) : [binary, ...args], opts.cwd, withTreeMarker(opts.env, marker));
      } catch (e) {
        reject(e);
        return;
      }
      child.once('error', reject);
      child.once('spawn', () => {
        child.removeListener('error', reject);
        child.on('error', () => {}); // later errors (EPIPE...) are not fatal to the engine
        resolve(new ServerProcess(child, marker, onOutput, delve));
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

  /** Under Delve: stopped in the debugger now (whoever stopped it: VS Code, nvim-dap, a panic). */
  async pausedInDebugger(): Promise<boolean> {
    return this.debuggee !== undefined && this.alive && (await pausedInDebugger(this.debuggee));
  }

  /** The pids whose sockets are the server's: under Delve, not Delve itself (it listens on the debugger's port). */
  appMembers(): number[] {
    const all = this.members();
    return this.delve ? all.filter((p) => p !== this.pid) : all;
  }

  /** What is still alive of the tree: the server, the snapshot, and (if any) its group. */
  private leftovers(snapshot: Set<number>): number[] {
    const left = new Set([...snapshot].filter(isAlive));
    if (this.alive) left.add(this.pid);
    // Only scan /proc for group members when the kernel says the group is not empty.
    if (groupMayHaveMembers(this.pid)) for (const p of treeMembers(-1, this.pid)) left.add(p);
    return [...left];
  }

  /** Polls (cheaply: no environ reads) until nothing of the tree is left or `deadline` passes; returns what is left. */
  private async gone(snapshot: Set<number>, deadline: number): Promise<number[]> {
    let left = this.leftovers(snapshot);
    while (left.length && performance.now() < deadline) {
      await sleep(5);
      left = this.leftovers(snapshot);
    }
    return left;
  }

  /**
   * Graceful stop: `signal` to the group (and directly to what left it), wait up to
   * `killDelayMs` for every member to exit, then SIGKILL the tree (tree-kill), the group and
   * everything carrying the tree's marker. Children that ignore the signal, outlive their parent
   * or escaped to another session are in the snapshot taken first, so they are killed too.
   */
  /**
   * Under Delve the program gets the stop signal first, in its own group (Delve forwards it to a
   * running program, which shuts down gracefully in milliseconds; signalling Delve first makes it
   * halt and detach, 0.3-1 s). A program stopped in the debugger cannot take a signal until a
   * client continues it, so it gets SIGKILL at once. Delve, with no program left, then exits fast.
   */
  private async stopDebuggee(signal: StopSignal, killDelayMs: number): Promise<void> {
    const pid = this.debuggee ?? debuggeeOf(this.pid);
    if (pid === undefined || !debuggeeAlive(pid)) return;
    if (signal === 'SIGKILL' || (await pausedInDebugger(pid))) {
      signalQuietly(pid, 'SIGKILL');
    } else {
      signalQuietly(-pid, signal);
      signalQuietly(pid, signal);
    }
    const deadline = performance.now() + killDelayMs;
    while (debuggeeAlive(pid) && performance.now() < deadline) {
      // Stopped at a breakpoint in its shutdown code: it will not go on by itself.
      if (await pausedInDebugger(pid)) break;
      await sleep(5);
    }
    if (debuggeeAlive(pid)) signalQuietly(pid, 'SIGKILL');
  }

  async stop(signal: StopSignal, killDelayMs: number): Promise<StopResult> {
    this.stopping = true;
    const t0 = performance.now();
    if (process.platform === 'win32') {
      await killTree(this.pid, 'SIGKILL');
      await this.exited;
      return { graceful: false, durationMs: Math.round(performance.now() - t0), survivors: [] };
    }
    // One kill delay for the whole tree: what the program spent of it is not given again to the rest.
    if (this.delve) {
      await this.stopDebuggee(signal, killDelayMs);
      killDelayMs = Math.max(0, killDelayMs - (performance.now() - t0));
    }
    // Descendants now, while the tree is intact: children that left the group are still found.
    const snapshot = new Set(descendantsOf(this.pid));
    signalQuietly(-this.pid, signal);
    signalQuietly(this.pid, signal);
    // The group signal does not reach what left the group: a child that exits on the signal
    // should not cost the whole kill delay (nor die by SIGKILL without a chance to clean up).
    const outside = (pids: Iterable<number>) => [...pids].filter((p) => readStat(p)?.pgid !== this.pid);
    for (const p of outside(snapshot)) signalQuietly(p, signal);
    const deadline = performance.now() + killDelayMs;
    // Event-driven: most servers exit at once on the signal, and every millisecond here is
    // downtime (the port is closed until the new server starts).
    if (this.alive) await within(this.exited, killDelayMs);
    // Once the server is gone (or the delay is over), a full scan for its marker finds what left
    // the tree (a double-forked daemon adopted by init), including anything started during the
    // shutdown: they get the signal and what is left of the delay. A second scan only if the
    // first found some (they may have started more). Linux only: /proc shows environments;
    // elsewhere the group and the descendants are what we know.
    if (process.platform === 'linux') {
      for (let scan = 0; scan < 2; scan++) {
        const escaped = outside(sweepTree(this.tree, false).filter((p) => !snapshot.has(p)));
        if (!escaped.length) break;
        for (const p of escaped) {
          snapshot.add(p);
          signalQuietly(p, signal);
        }
        await this.gone(snapshot, deadline);
      }
    }
    let left = await this.gone(snapshot, deadline);
    const graceful = left.length === 0;
    if (!graceful) {
      if (this.alive) await killTree(this.pid, 'SIGKILL');
      signalQuietly(-this.pid, 'SIGKILL');
      for (const p of left) {
        signalQuietly(p, 'SIGKILL');
        snapshot.add(p);
      }
      const killDeadline = performance.now() + 3000;
      while ((left = this.leftovers(snapshot)).length && performance.now() < killDeadline) await sleep(5);
      // Whatever was forked between the sweep and the kills.
      for (const p of killSweep(this.tree)) snapshot.add(p);
      while ((left = this.leftovers(snapshot)).length && performance.now() < killDeadline) await sleep(5);
    }
    if (this.alive) await within(this.exited, 1000);
    if (left.length === 0) releaseGroup(this.pid);
    return { graceful, durationMs: Math.round(performance.now() - t0), survivors: left };
  }
}
