// CPU accounting for the editor bench, read from /proc: who burns the CPU of one reload in the
// editor (the browser, the extension host, the builds it ran) and of one floor reload.
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';

const TICK = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  return Number(r.stdout?.trim()) || 100;
})();

/** /proc/<pid>/stat fields after the command name (which may hold spaces and parentheses). */
function statOf(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: f[0], ppid: Number(f[1]), utime: Number(f[11]), stime: Number(f[12]), cutime: Number(f[13]), cstime: Number(f[14]) };
  } catch {
    return undefined; // exited while we looked
  }
}

function cmdlineOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** Every live process started, directly or not, by `root` (this bench's node process). */
function descendants(root) {
  const all = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = statOf(name);
    if (st && st.state !== 'Z') all.push({ pid: Number(name), ...st });
  }
  const mine = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) {
      if (!mine.has(p.pid) && mine.has(p.ppid)) {
        mine.add(p.pid);
        grew = true;
      }
    }
  }
  return all.filter((p) => p.pid !== root && mine.has(p.pid));
}

/**
 * The processes cpuNow() reads: every Chromium process we launched, and the extension host. One
 * scan of /proc (a few ms); reading the list again is well under a millisecond, so it can be done
 * between the last key and the save without moving the save.
 */
export function cpuProcesses() {
  const list = [];
  for (const p of descendants(process.pid)) {
    const cmd = cmdlineOf(p.pid);
    if (/chrom(e|ium)/.test(cmd.split(' ')[0])) list.push({ pid: p.pid, kind: 'browser' });
    else if (cmd.includes('--type=extensionHost')) list.push({ pid: p.pid, kind: 'extensionHost' });
  }
  return list;
}

/**
 * CPU seconds used so far, by group. `browser`: every Chromium process we launched. `extensionHost`:
 * the extension host's own threads. `extensionHostChildren`: what its reaped children used (the
 * go builds, pre-builds included, and the app servers it stopped). `self`: this bench's own reaped
 * children (the floor's go builds and stopped servers). Only processes of this bench are counted,
 * so other work on the machine never lands in these numbers (it shows in the latencies instead).
 */
export function cpuNow(procs = cpuProcesses()) {
  const out = { browser: 0, extensionHost: 0, extensionHostChildren: 0, self: 0 };
  for (const { pid, kind } of procs) {
    const p = statOf(pid);
    if (!p) continue; // gone: its time is lost, so a delta can only undercount
    out[kind] += p.utime + p.stime;
    if (kind === 'extensionHost') out.extensionHostChildren += p.cutime + p.cstime;
  }
  const me = statOf(process.pid);
  if (me) out.self = me.cutime + me.cstime;
  for (const k of Object.keys(out)) out[k] /= TICK;
  return out;
}

/** The CPU seconds each group used between two cpuNow() readings. */
export function cpuDelta(a, b) {
  const r = (x) => Math.round(x * 1000) / 1000;
  return {
    browser: r(b.browser - a.browser),
    extensionHost: r(b.extensionHost - a.extensionHost),
    extensionHostChildren: r(b.extensionHostChildren - a.extensionHostChildren),
    self: r(b.self - a.self),
  };
}
