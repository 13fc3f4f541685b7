// Peak memory of the large-app bench: samples /proc every 20 ms and keeps the peak RSS
// of one tool process (our CLI's node, air) and the peak summed RSS of the go build process tree
// under it (go, compile, link, asm, cgo: every process of one build runs at the same time, so
// their sum is what the machine must hold). Linux only; elsewhere it reports nothing.
import * as fs from 'node:fs';

const BUILD_COMMANDS = new Set(['go', 'compile', 'link', 'asm', 'cgo', 'nice']);

/** pid → {ppid, comm, rssKiB} for every live process (one pass over /proc). */
function snapshot() {
  const procs = new Map();
  let names;
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return procs;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      // comm is in parentheses and may hold spaces: parse after the last ')'.
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      // fields[0] is the state, [1] the ppid, [21] the RSS in pages (stat fields 3, 4 and 24).
      if (fields[0] === 'Z') continue;
      procs.set(Number(name), { ppid: Number(fields[1]), comm, rssKiB: (Number(fields[21]) * 4096) / 1024 });
    } catch {
      // exited while we looked
    }
  }
  return procs;
}

function descendants(procs, root) {
  const children = new Map();
  for (const [pid, p] of procs) {
    if (!children.has(p.ppid)) children.set(p.ppid, []);
    children.get(p.ppid).push(pid);
  }
  const out = [];
  const todo = [...(children.get(root) ?? [])];
  while (todo.length) {
    const pid = todo.pop();
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/**
 * Starts sampling `rootPid` (the tool) and the build tree under it until `stop()`, which returns
 * {toolPeakMiB, buildPeakMiB, samples}. With `toolRss: false` (the floor: the tool is this bench
 * process) only the build tree counts. Each sample reads /proc: keep it off the timed saves.
 */
export function sampleMemory(rootPid, { toolRss = true, everyMs = 20 } = {}) {
  let toolPeak = 0;
  let buildPeak = 0;
  let samples = 0;
  const tick = () => {
    const procs = snapshot();
    samples++;
    if (toolRss) toolPeak = Math.max(toolPeak, procs.get(rootPid)?.rssKiB ?? 0);
    let build = 0;
    for (const pid of descendants(procs, rootPid)) {
      const q = procs.get(pid);
      if (q && BUILD_COMMANDS.has(q.comm)) build += q.rssKiB;
    }
    buildPeak = Math.max(buildPeak, build);
  };
  const timer = setInterval(tick, everyMs);
  tick();
  const mib = (k) => Math.round((k / 1024) * 10) / 10;
  return {
    stop() {
      clearInterval(timer);
      tick();
      return { ...(toolRss && { toolPeakMiB: mib(toolPeak) }), buildPeakMiB: mib(buildPeak), samples };
    },
  };
}
