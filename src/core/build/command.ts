import { spawn, type ChildProcess } from 'node:child_process';
import type { CommandSpec } from '../config/config';
import { StringDecoder } from 'node:string_decoder';
import { killSweep, killTree, signalQuietly, sweepTree, waitFor, type TreeId } from '../run/processTree';
import { groupIsOurs, newTreeMarker, startTicks, withTreeMarker } from '../run/procScan';
import { registerGroup, releaseGroup } from '../run/reaperClient';

export interface CommandResult {
  ok: boolean;
  exitCode: number | null;
  /** The signal that ended the command, when one did. */
  signal?: NodeJS.Signals | null;
  /** Everything the command printed (stdout and stderr interleaved), capped. */
  output: string;
  durationMs: number;
  cancelled: boolean;
  timedOut: boolean;
  /** Set when the command could not start at all (e.g. ENOENT: not on PATH). */
  spawnError?: NodeJS.ErrnoException;
  /**
   * Pids of background processes the command started that still held its output when it exited
   * (`sleep 1000 &`): not waited for, left running until stopLingering().
   */
  lingering?: number[];
}

export interface RunningCommand {
  readonly done: Promise<CommandResult>;
  /** Kills the whole process tree (go build spawns compile/link children). */
  cancel(): void;
}

export interface CommandOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
  onOutput?: (text: string) => void;
  /** Who stops the background processes the command leaves running (see stopLingering). */
  owner?: object;
}

const OUTPUT_CAP = 1 << 20;

/** Spawns argv directly (no shell) or, for a string, the user's shell: only when they asked for one. */
export function spawnCommand(spec: CommandSpec, cwd: string, env: NodeJS.ProcessEnv): ChildProcess {
  const common = {
    cwd,
    env,
    // Own process group on POSIX, so a stop can signal the whole tree the way Ctrl-C would.
    detached: process.platform !== 'win32',
    windowsHide: true,
    stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'],
  };
  if (typeof spec === 'string') return spawn(spec, { ...common, shell: true });
  return spawn(spec[0], spec.slice(1), common);
}

export function describeCommand(spec: CommandSpec): string {
  if (typeof spec === 'string') return spec;
  return spec.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

/**
 * A step has finished when its own process exits. Its output is then complete within a moment,
 * unless a background process it started (`sleep 1000 &`) still holds the pipes: after this long
 * we stop reading and report those processes instead of waiting for them.
 */
const PIPE_GRACE_MS = 150;
/** When none of the step's processes is left but the pipes are still open: a last wait for 'close'. */
const LATE_CLOSE_MS = 1000;

/** Background processes left by finished steps: alive, registered with the reaper, stopped by stopLingering. */
const lingeringTrees: { tree: TreeId; owner?: object }[] = [];

export function runCommand(spec: CommandSpec, opts: CommandOptions): RunningCommand {
  const started = performance.now();
  let output = '';
  let cancelled = false;
  let timedOut = false;
  let child: ChildProcess;
  let spawnError: NodeJS.ErrnoException | undefined;
  const marker = newTreeMarker();
  let tree: TreeId | undefined;

  const stop = () => {
    if (child?.pid === undefined) return;
    const pid = child.pid;
    if (process.platform !== 'win32') signalQuietly(-pid, 'SIGKILL');
    void killTree(pid, 'SIGKILL');
    // What escaped the group (setsid) carries the marker; the scan (a few ms) waits for the next
    // turn of the event loop, so a keystroke that cancels a pre-build is not slowed by it.
    const t = tree;
    if (t && process.platform === 'linux') setImmediate(() => killSweep(t));
  };

  const done = new Promise<CommandResult>((resolve) => {
    let settled = false;
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null = null, lingering?: number[]) => {
      if (settled) return;
      settled = true;
      resolve({
        signal,
        ok: exitCode === 0 && !cancelled && !timedOut && !spawnError,
        exitCode,
        output,
        durationMs: Math.round(performance.now() - started),
        cancelled,
        timedOut,
        spawnError,
        lingering,
      });
    };
    try {
      child = spawnCommand(spec, opts.cwd, withTreeMarker(opts.env, marker));
    } catch (e) {
      spawnError = e as NodeJS.ErrnoException;
      finish(null);
      return;
    }
    if (child.pid !== undefined) tree = { pid: child.pid, marker, start: startTicks(child.pid) };
    registerGroup(child.pid, marker);
    const emit = (text: string) => {
      if (!text) return;
      if (output.length < OUTPUT_CAP) output += text;
      opts.onOutput?.(text);
    };
    // One decoder per stream: a multi-byte character split across two chunks stays whole.
    const decoders = [child.stdout, child.stderr].map((stream) => {
      const decoder = new StringDecoder('utf8');
      stream?.on('data', (b: Buffer) => emit(decoder.write(b)));
      return decoder;
    });
    const flush = () => decoders.forEach((d) => emit(d.end()));
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          stop();
        }, opts.timeoutMs)
      : undefined;
    let grace: NodeJS.Timeout | undefined;
    child.once('error', (e) => {
      spawnError = e as NodeJS.ErrnoException;
    });
    // 'close' normally follows 'exit' at once (a build's children all end with it) and means
    // every byte of output is in.
    child.once('close', (code, signal) => {
      if (settled) return; // after the grace below: what lingers stays registered
      if (timer) clearTimeout(timer);
      if (grace) clearTimeout(grace);
      flush();
      releaseGroup(child.pid);
      finish(code, signal);
    });
    // When it does not, something the step started still holds the pipes: the step is done
    // anyway. Those processes keep running (the user started them) until stopLingering().
    child.once('exit', (code, signal) => {
      const giveUp = (lingering: number[]) => {
        if (settled) return;
        if (timer) clearTimeout(timer);
        flush();
        child.stdout?.destroy();
        child.stderr?.destroy();
        if (tree && lingering.length) lingeringTrees.push({ tree, owner: opts.owner });
        else releaseGroup(child.pid);
        finish(code, signal, lingering);
      };
      const check = (lastChance: boolean) => {
        const lingering = tree && process.platform !== 'win32' ? sweepTree(tree, false) : [];
        // Nobody of ours holds the pipes: 'close' is only late (a busy event loop), and giving up
        // now could lose the step's last output. Wait longer, then give up anyway (something
        // that cleared its environment may hold them).
        if (!lingering.length && !lastChance) grace = setTimeout(() => check(true), LATE_CLOSE_MS);
        // One more turn of the loop first: its poll phase reads what is still in the pipes.
        else setImmediate(() => giveUp(lingering));
      };
      grace = setTimeout(() => check(false), PIPE_GRACE_MS);
    });
  });

  return {
    done,
    cancel() {
      if (cancelled) return;
      cancelled = true;
      stop();
    },
  };
}

/**
 * Stops the background processes that finished steps left running (of `owner`'s steps, or all):
 * SIGTERM (a shell's `&` jobs ignore SIGINT), up to a second to exit, then SIGKILL.
 */
export async function stopLingering(owner?: object): Promise<void> {
  const mine = lingeringTrees.filter((l) => owner === undefined || l.owner === owner);
  if (!mine.length) return;
  for (const l of mine) lingeringTrees.splice(lingeringTrees.indexOf(l), 1);
  const alive = () => mine.flatMap((l) => sweepTree(l.tree, false));
  for (const l of mine) if (groupIsOurs(l.tree.pid, l.tree.start)) signalQuietly(-l.tree.pid, 'SIGTERM');
  for (const p of alive()) signalQuietly(p, 'SIGTERM');
  await waitFor(() => alive().length === 0, 1000, 20);
  for (const l of mine) {
    killSweep(l.tree);
    releaseGroup(l.tree.pid);
  }
}
