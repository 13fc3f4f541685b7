import { spawn, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import type { CommandSpec } from './config';
import { killTree, signalQuietly } from './processTree';
import { registerGroup, releaseGroup } from './reaperClient';

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
  /** Lower CPU priority (pre-builds while typing). */
  nice?: boolean;
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

export function runCommand(spec: CommandSpec, opts: CommandOptions): RunningCommand {
  const started = performance.now();
  let output = '';
  let cancelled = false;
  let timedOut = false;
  let child: ChildProcess;
  let spawnError: NodeJS.ErrnoException | undefined;

  const stop = () => {
    if (child?.pid === undefined) return;
    const pid = child.pid;
    if (process.platform !== 'win32') signalQuietly(-pid, 'SIGKILL');
    void killTree(pid, 'SIGKILL');
  };

  const done = new Promise<CommandResult>((resolve) => {
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null = null) =>
      resolve({
        signal,
        ok: exitCode === 0 && !cancelled && !timedOut && !spawnError,
        exitCode,
        output,
        durationMs: Math.round(performance.now() - started),
        cancelled,
        timedOut,
        spawnError,
      });
    try {
      child = spawnCommand(spec, opts.cwd, opts.env);
    } catch (e) {
      spawnError = e as NodeJS.ErrnoException;
      finish(null);
      return;
    }
    if (opts.nice && child.pid !== undefined && process.platform !== 'win32') {
      try {
        setPriority(child.pid, 10);
      } catch {
        // Not permitted here: run at normal priority.
      }
    }
    registerGroup(child.pid);
    const onData = (b: Buffer) => {
      const text = b.toString('utf8');
      if (output.length < OUTPUT_CAP) output += text;
      opts.onOutput?.(text);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          stop();
        }, opts.timeoutMs)
      : undefined;
    child.once('error', (e) => {
      spawnError = e as NodeJS.ErrnoException;
    });
    // 'close' (not 'exit') so every byte of output is in; a build's children all end with it.
    child.once('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      releaseGroup(child.pid);
      finish(code, signal);
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
