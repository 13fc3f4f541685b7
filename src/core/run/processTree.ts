import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import treeKill from 'tree-kill';
import { groupIsOurs, markedProcesses, readStat, scanProcesses, type ProcStat } from './procScan';

/*
 * Process-tree facts the supervisor needs: who is in a process group, who descends from a pid.
 * Linux reads /proc directly (cheap enough to poll every few ms); other POSIX systems ask `ps`.
 * Zombies are skipped: in containers whose PID 1 never reaps, they linger but hold no port.
 */
interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
}

function readProcPs(): ProcInfo[] {
  try {
    const text = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,pgid=,stat='], { encoding: 'utf8' });
    return text
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length >= 4 && !f[3].startsWith('Z'))
      .map((f) => ({ pid: Number(f[0]), ppid: Number(f[1]), pgid: Number(f[2]) }));
  } catch {
    return [];
  }
}

export function listProcesses(): ProcInfo[] {
  if (process.platform === 'win32') return [];
  return process.platform === 'linux' ? scanProcesses() : readProcPs();
}

/** Live pids in process group `pgid` plus every live descendant of `root` (which may have left the group). */
export function treeMembers(root: number, pgid: number, procs = listProcesses()): number[] {
  const members = new Set<number>();
  const children = new Map<number, number[]>();
  for (const p of procs) {
    if (p.pgid === pgid) members.add(p.pid);
    const list = children.get(p.ppid) ?? [];
    list.push(p.pid);
    children.set(p.ppid, list);
  }
  const stack = procs.some((p) => p.pid === root) ? [root] : [];
  while (stack.length) {
    const pid = stack.pop()!;
    members.add(pid);
    for (const c of children.get(pid) ?? []) if (!members.has(c)) stack.push(c);
  }
  return [...members];
}

/** A tree we started: its first process (also its group leader), the marker in its environment, its start ticks. */
export interface TreeId {
  pid: number;
  marker: string;
  start: number;
}

/**
 * Everything alive of a tree: its group, the descendants of its root (while `rootAlive`: a dead
 * root's pid may be someone else's), and every process carrying its marker wherever it went
 * (another group, another session, re-parented to init). A full /proc scan plus environ reads,
 * a few ms: for stop, crash and exit time, never for polling loops.
 */
export function sweepTree(t: TreeId, rootAlive: boolean): number[] {
  const procs = listProcesses();
  const found = new Set(treeMembers(rootAlive ? t.pid : -1, groupIsOurs(t.pid, t.start) ? t.pid : -1, procs));
  if (process.platform === 'linux') for (const p of markedProcesses(new Map([[t.marker, t.start]]), procs as ProcStat[])) found.add(p);
  found.delete(process.pid);
  return [...found];
}

/**
 * SIGKILLs a tree whose root is gone (crash orphans, a step's leftovers), sweeping again until a
 * sweep finds nothing new: a process may fork between a sweep and its kill, never after a kill.
 */
export function killSweep(t: TreeId): number[] {
  const killed = new Set<number>();
  for (let pass = 0; pass < 10; pass++) {
    if (groupIsOurs(t.pid, t.start)) signalQuietly(-t.pid, 'SIGKILL');
    const fresh = sweepTree(t, false).filter((p) => !killed.has(p));
    if (!fresh.length) break;
    for (const p of fresh) {
      signalQuietly(p, 'SIGKILL');
      killed.add(p);
    }
  }
  return [...killed];
}

/**
 * Descendants of `root` by walking /proc/<pid>/task/<tid>/children (Linux): touches only the tree,
 * so it costs microseconds where a full /proc scan costs milliseconds. Elsewhere, a full scan.
 */
export function descendantsOf(root: number): number[] {
  if (process.platform !== 'linux') return treeMembers(root, -1).filter((p) => p !== root);
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      try {
        for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) {
          if (c.trim()) {
            out.push(Number(c));
            stack.push(Number(c));
          }
        }
      } catch {
        // no children file (old kernel): the full scan in treeMembers still catches the group
      }
    }
  }
  return out;
}

/** False when no process at all is left in the group; true may include zombies (check further). */
export function groupMayHaveMembers(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function isAlive(pid: number): boolean {
  if (process.platform === 'linux') {
    const state = readStat(pid)?.state;
    return state !== undefined && state !== 'Z' && state !== 'X';
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Sends `signal` to a pid or (negative) group, ignoring "already gone". */
export function signalQuietly(target: number, signal: NodeJS.Signals): void {
  try {
    process.kill(target, signal);
  } catch {
    // ESRCH: gone already, which is what we wanted.
  }
}

/** tree-kill as a promise: walks the tree by parent pid (taskkill /T /F on Windows). */
export function killTree(pid: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  return new Promise((resolve) => treeKill(pid, signal, () => resolve()));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits for `p` at most `ms`, clearing the timer either way (no stray timer keeps Node alive). */
export function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Polls until `done()` holds or `timeoutMs` passes; returns whether it held. */
export async function waitFor(done: () => boolean, timeoutMs: number, everyMs = 10): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (done()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
}
