/**
 * The reaper: a tiny separate process that outlives a crashed parent just long enough to stop
 * what the parent started. The parent writes "+<pid> <marker>" when it starts a process tree (a
 * server, a build; <marker> is the GOPHER_RELOAD_TREE value in its environment; the older "+<pid>"
 * form still works) and "-<pid>" when that tree is gone. When our stdin ends (the parent exited,
 * however abruptly: SIGKILL, a crashed extension host, a closed window), every tree still
 * registered gets SIGINT, then SIGKILL a second later: its process group, the descendants that
 * left the group, and every process carrying its marker (daemons in their own session,
 * re-parented to init).
 *
 * Built as its own entry (dist/reaper.js); it imports nothing from the engine on purpose, only
 * the dependency-free /proc reader.
 */
import { spawnSync } from 'node:child_process';
import { groupIsOurs, markedProcesses, readStat, scanProcesses, type ProcStat } from '../core/run/procScan';

interface Tree {
  marker?: string;
  /** Start ticks of the group leader when registered (Linux), to tell a reused pid. */
  start: number;
}

const trees = new Map<number, Tree>();
let buffer = '';

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  buffer += chunk;
  const lines = buffer.split('\n');
  buffer = lines.pop() ?? '';
  for (const line of lines) {
    const [head, marker] = line.split(' ');
    const pid = Number(head.slice(1));
    if (!Number.isInteger(pid) || pid <= 0) continue;
    if (line[0] === '+') trees.set(pid, { marker: marker || undefined, start: linux() ? (readStat(pid)?.start ?? 0) : 0 });
    else if (line[0] === '-') trees.delete(pid);
  }
});
process.stdin.on('end', () => void reap());
process.stdin.on('error', () => void reap());
// The parent's own Ctrl-C must not take us down before we have done our job.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => {});

function linux(): boolean {
  return process.platform === 'linux';
}

/** Registered groups, but not a reused pid now leading a stranger's group (see groupIsOurs). */
function groups(): number[] {
  return [...trees].filter(([pid, t]) => groupIsOurs(pid, t.start)).map(([pid]) => pid);
}

function members(): number[] {
  if (!linux()) return groups();
  const procs: ProcStat[] = scanProcesses();
  const ours = new Set(groups());
  const found = new Set(procs.filter((p) => ours.has(p.pgid)).map((p) => p.pid));
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) if (found.has(p.ppid) && !found.has(p.pid)) grew = found.add(p.pid) !== undefined;
  }
  const markers = new Map([...trees.values()].filter((t) => t.marker).map((t) => [t.marker!, t.start]));
  for (const p of markedProcesses(markers, procs)) found.add(p);
  found.delete(process.pid);
  return [...found];
}

function signal(sig: NodeJS.Signals, pids: number[]): void {
  for (const g of groups()) {
    if (process.platform === 'win32') spawnSync('taskkill', ['/pid', String(g), '/T', '/F'], { windowsHide: true });
    else {
      try {
        process.kill(-g, sig);
      } catch {
        // empty group
      }
    }
  }
  for (const p of pids) {
    try {
      process.kill(p, sig);
    } catch {
      // gone
    }
  }
}

async function reap(): Promise<void> {
  if (trees.size > 0) {
    signal('SIGINT', members());
    for (let i = 0; i < 20 && members().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    // Twice: a process may have forked between the last scan and the kill.
    for (let i = 0; i < 2; i++) signal('SIGKILL', members());
  }
  process.exit(0);
}
