/**
 * The reaper: a tiny separate process that outlives a crashed parent just long enough to stop
 * what the parent started. The parent writes "+<pid>" when it starts a process group (a server, a
 * build) and "-<pid>" when that group is gone. When our stdin ends (the parent exited, however
 * abruptly: SIGKILL, a crashed extension host, a closed window), every group still registered
 * gets SIGINT, then SIGKILL a second later, with any descendants that left the group.
 *
 * Built as its own entry (dist/reaper.js); it imports nothing from the engine on purpose.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const groups = new Set<number>();
let buffer = '';

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  buffer += chunk;
  const lines = buffer.split('\n');
  buffer = lines.pop() ?? '';
  for (const line of lines) {
    const pid = Number(line.slice(1));
    if (!Number.isInteger(pid) || pid <= 0) continue;
    if (line[0] === '+') groups.add(pid);
    else if (line[0] === '-') groups.delete(pid);
  }
});
process.stdin.on('end', () => void reap());
process.stdin.on('error', () => void reap());
// The parent's own Ctrl-C must not take us down before we have done our job.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => {});

function members(): number[] {
  if (process.platform !== 'linux') return [...groups];
  const procs: { pid: number; ppid: number; pgid: number }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (f[0] !== 'Z') procs.push({ pid: Number(name), ppid: Number(f[1]), pgid: Number(f[2]) });
    } catch {
      // gone
    }
  }
  const found = new Set(procs.filter((p) => groups.has(p.pgid)).map((p) => p.pid));
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) if (found.has(p.ppid) && !found.has(p.pid)) grew = found.add(p.pid) !== undefined;
  }
  return [...found];
}

function signal(sig: NodeJS.Signals, pids: number[]): void {
  for (const g of groups) {
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
  if (groups.size > 0) {
    signal('SIGINT', members());
    for (let i = 0; i < 20 && members().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    signal('SIGKILL', members());
  }
  process.exit(0);
}
