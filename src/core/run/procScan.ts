import { readdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

/*
 * Reading /proc (Linux) with no other dependency, so the reaper can use it too. Every process
 * tree we start carries TREE_ENV=<marker> in its environment; children inherit it through
 * fork, exec and setsid, so a daemon that left our process group and was re-parented to init is
 * still ours to find. Its start time (clock ticks since boot) must not be older than the tree's,
 * so a reused pid is never mistaken for one of ours.
 */
export const TREE_ENV = 'GOPHER_RELOAD_TREE';
const KEY = Buffer.from(`${TREE_ENV}=`);

export interface ProcStat {
  pid: number;
  ppid: number;
  pgid: number;
  /** Start time in clock ticks since boot. */
  start: number;
  state: string;
}

let seq = 0;
/** A marker no other tree (of this or any other process) will carry. */
export function newTreeMarker(): string {
  return `${process.pid}-${++seq}-${randomBytes(6).toString('hex')}`;
}

export function readStat(pid: number): ProcStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone
  }
  // The command name is in parentheses and may itself contain spaces or ')'.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { pid, state: f[0], ppid: Number(f[1]), pgid: Number(f[2]), start: Number(f[19]) };
}

/** Live processes, zombies left out (in containers whose PID 1 never reaps they linger, holding nothing). */
export function scanProcesses(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s && s.state !== 'Z' && s.state !== 'X') out.push(s);
  }
  return out;
}

/**
 * `env` with `marker` added to its tree markers. A tree started from inside another one (the CLI
 * run by a server we started) keeps the outer marker too, so the outer owner still finds it.
 */
export function withTreeMarker(env: NodeJS.ProcessEnv, marker: string): NodeJS.ProcessEnv {
  const outer = env[TREE_ENV];
  return { ...env, [TREE_ENV]: outer ? `${outer},${marker}` : marker };
}

/** The tree markers in a process's environment as it was at exec (other users' are unreadable). */
export function markersOf(pid: number): string[] {
  let env: Buffer;
  try {
    env = readFileSync(`/proc/${pid}/environ`);
  } catch {
    return [];
  }
  for (let i = env.indexOf(KEY); i >= 0; i = env.indexOf(KEY, i + 1)) {
    if (i > 0 && env[i - 1] !== 0) continue; // inside another variable's value
    const end = env.indexOf(0, i);
    return env.toString('utf8', i + KEY.length, end < 0 ? env.length : end).split(',');
  }
  return [];
}

/**
 * Pids of live processes carrying one of `markers` (marker → start ticks of its tree) that did not
 * start before their tree. Reads every candidate's environ: a few ms, so for stop, crash and reap
 * time, not for polling loops. Linux only (elsewhere: none; groups and descendants still apply).
 */
export function markedProcesses(markers: ReadonlyMap<string, number>, procs?: ProcStat[]): number[] {
  if (process.platform !== 'linux' || markers.size === 0) return [];
  const oldest = Math.min(...markers.values());
  const found: number[] = [];
  for (const p of procs ?? scanProcesses()) {
    if (p.pid === process.pid || p.start < oldest) continue;
    if (markersOf(p.pid).some((m) => markers.has(m) && p.start >= markers.get(m)!)) found.push(p.pid);
  }
  return found;
}

/**
 * Whether process group `pid` (led by a process that started at `start` ticks) can still only be
 * ours. The kernel keeps a pid while a group uses it, so a group with members left is ours even
 * when its leader is gone; but once the group emptied, a younger process that got the pid and
 * leads its own group is a stranger (a finished step's group, stopped long after).
 */
export function groupIsOurs(pid: number, start: number): boolean {
  if (process.platform !== 'linux' || !start) return true;
  const now = readStat(pid);
  return !now || now.start === start || now.pgid !== pid;
}

/** Start ticks of `pid`, or 0 when unknown (then every process carrying the marker counts). */
export function startTicks(pid: number | undefined): number {
  if (pid === undefined || process.platform !== 'linux') return 0;
  return readStat(pid)?.start ?? 0;
}
