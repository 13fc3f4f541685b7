#!/usr/bin/env node
// Save → serving in debug mode (issue 14): the CLI with --debug (each server generation under
// `dlv exec --headless --accept-multiclient`, started by the engine, no client attached) against the CLI in
// normal mode and against the debug floor by hand (`go build -gcflags=all=-N -l`, Ctrl-C dlv,
// `dlv exec` again; see debugTools.mjs), on copies of test/fixtures/gin-api, all in one run.
//
//   node test/bench/debug.mjs [--n 7] [--out test/bench/results] [--no-first-switch]
//
// First, once: "the first switch to debug mode": a build cache that holds only the normal build
// (a fresh GOCACHE filled by a plain `go build`, as after days of work without the debugger),
// then the time from starting in debug mode to the first answer; the -N -l build of the standard
// library and Gin is cold then. Then all three run side by side; one untimed warm-up edit each,
// then n rounds of the same edit, one save per contender per round, the order rotating. After each
// save the serving process is checked: under dlv for the debug rows, not for the normal one. At
// the end each is stopped as a user would (Ctrl-C) and anything left (an app, a dlv, Delve's
// telemetry child) is recorded before it is killed. Writes debug.json to --out.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { ROOT, WORK, freePort, ginCopy, goVersion, sleep, stats, stopTool, untilServes, writeMessage } from './lib.mjs';
import { CLI, DEBUG_GCFLAGS, POLL_MS, cliDebugFlags, debugFloor, dlvVersion, findDlv, oursDebug, oursNormal, servingTree, tracker } from './debugTools.mjs';

const round1 = (x) => (x === undefined ? undefined : Math.round(x));
const ratio = (a, b) => (a && b ? Math.round((a / b) * 100) / 100 : undefined);
const median = (xs) => stats(xs).median;

/** Starts `tool` on a fresh copy; resolves once it serves, with the time from the start. */
async function launch(tool, folder, track, env = {}, timeoutMs = 240_000) {
  const dir = ginCopy(folder);
  track.dirs.add(dir);
  const port = await freePort();
  const text = `debug bench ${folder}`;
  writeMessage(dir, text);
  const t0 = performance.now();
  await tool.start(dir, port, env);
  const startReturnedMs = performance.now() - t0; // the floor builds before it starts dlv
  const ms = await untilServes(port, text, t0, timeoutMs, POLL_MS);
  if (ms === undefined) {
    await stopTool(tool.child, dir);
    throw new Error(`${tool.label} never served ${dir} on port ${port} within ${timeoutMs / 1000} s (see ${tool.log})`);
  }
  const tree = servingTree(dir);
  track.see(dir, tree);
  return { name: tool.name, tool, dir, port, ms, startReturnedMs, underDlv: tree.underDlv };
}

/** Ctrl-C, as a user stops it; then what is still running after 5 s, recorded; then killed. */
async function stopAndCheck(s, track) {
  await Promise.race([s.tool.interrupt(), sleep(15_000)]);
  let left = track.left(s.dir);
  for (let i = 0; i < 50 && left.length; i++) {
    await sleep(100);
    left = track.left(s.dir);
  }
  await stopTool(s.tool.child, s.dir);
  track.kill(s.dir);
  return left.map((p) => ({ tool: s.name, pid: p.pid, cmd: p.cmd }));
}

/** The first switch to debug mode, once per debug contender, each on a copy of a cache with only the normal build. */
async function firstSwitch(contenders, track, log) {
  const base = path.join(WORK, 'debug-gocache-normal');
  fs.rmSync(base, { recursive: true, force: true });
  const dir = ginCopy('debug-warm-normal');
  track.dirs.add(dir);
  log('  filling a fresh build cache with the normal build (go build .)');
  const t0 = performance.now();
  const b = spawnSync('go', ['build', '-o', os.devNull, '.'], { cwd: dir, env: { ...process.env, GOCACHE: base }, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`go build in ${dir} failed (is the module cache filled? cd test/fixtures/gin-api && go mod download):\n${b.stderr}`);
  const out = { coldNormalBuildMs: round1(performance.now() - t0), rows: {}, leftRunning: [] };
  for (const tool of contenders) {
    const cache = path.join(WORK, `debug-gocache-${tool.name}`);
    fs.rmSync(cache, { recursive: true, force: true });
    fs.cpSync(base, cache, { recursive: true });
    try {
      const s = await launch(tool, `debug-first-${tool.name}`, track, { GOCACHE: cache });
      for (let i = 0; i < 20 && tool.readyLines && !tool.readyLines().length; i++) await sleep(100); // its "● running" line follows readiness
      out.rows[tool.name] = {
        label: tool.label,
        ms: round1(s.ms),
        underDlv: s.underDlv,
        buildMs: tool.readyLines ? tool.readyLines()[0]?.buildMs : round1(s.startReturnedMs),
      };
      log(`  ${tool.label}: first switch to debug mode ${(s.ms / 1000).toFixed(1)} s${s.underDlv ? '' : ' (NOT under dlv)'}`);
      out.leftRunning.push(...(await stopAndCheck(s, track)));
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  }
  fs.rmSync(base, { recursive: true, force: true });
  return out;
}

/** Runs the bench; writes debug.json to `out` and returns the result. */
export async function debugBench({ n = 7, out = path.join(ROOT, 'test', 'bench', 'results'), first = true, log = console.log } = {}) {
  fs.mkdirSync(WORK, { recursive: true });
  const built = spawnSync(process.execPath, [path.join(ROOT, 'esbuild.mjs')], { cwd: ROOT, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`esbuild failed:\n${built.stderr}`);
  const dlv = findDlv();
  const flags = cliDebugFlags();
  const debugPort = flags.debugPort ? await freePort() : undefined;
  const track = tracker();
  const onSignal = (sig) => {
    track.killAll();
    for (const d of track.dirs) fs.rmSync(d, { recursive: true, force: true });
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(sig, onSignal);
  const contenders = () => [...(flags.debug ? [oursDebug(debugPort)] : []), oursNormal(), debugFloor(dlv)];
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), os: `${os.type()} ${os.release()}` },
    loadavgStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
    versions: { go: goVersion(), node: process.version, dlv: dlvVersion(dlv) },
    n,
    polling: `every ${POLL_MS} ms`,
    floorStop:
      'Ctrl-C to dlv (SIGINT to its process group, as a terminal sends it; Delve stops the app, which runs in a group of its own), then dlv exec again once dlv has exited',
    debugGcflags: DEBUG_GCFLAGS,
    cliDebug: flags.debug ? `--debug${debugPort ? ` --debug-port ${debugPort}` : ''}` : undefined,
    firstSwitch: undefined,
    order: [],
    saveToServing: {},
    leftRunning: [],
  };
  if (!flags.debug) {
    result.saveToServing['ours-debug'] = {
      label: oursDebug().label,
      skipped: `${CLI} --help shows no --debug: build the CLI with issue 14's flag (node esbuild.mjs)`,
    };
    log('  the CLI has no --debug yet: measuring the normal mode and the debug floor only');
  }
  const live = [];
  try {
    if (first) {
      log('▶ first switch to debug mode (the -N -l build from a cache holding only the normal build)');
      result.firstSwitch = await firstSwitch(
        contenders().filter((t) => t.name !== 'ours'),
        track,
        log,
      );
      result.leftRunning.push(...result.firstSwitch.leftRunning);
    }
    log(`▶ save → serving ×${n}, the contenders alternating, the same edit each round`);
    for (const tool of contenders()) live.push(await launch(tool, `debug-${tool.name}`, track));
    for (const s of live) {
      s.samples = [];
      s.checks = [];
      s.parts = [];
      s.buildsBefore = s.tool.builds?.();
      if ((await s.tool.reload(s.dir, s.port, 'debug warm-up')) === undefined)
        throw new Error(`${s.tool.label}: the warm-up edit was never served (see ${s.tool.log})`);
      track.see(s.dir, servingTree(s.dir));
      await sleep(300);
    }
    for (let i = 1; i <= n; i++) {
      const order = [...live.slice((i - 1) % live.length), ...live.slice(0, (i - 1) % live.length)];
      result.order.push(order.map((s) => s.name));
      for (const s of order) {
        const readyBefore = s.tool.readyLines?.().length;
        const ms = await s.tool.reload(s.dir, s.port, `debug edit ${i}`);
        const tree = servingTree(s.dir);
        track.see(s.dir, tree);
        s.samples.push(ms);
        s.checks.push(tree.underDlv);
        log(`  round ${i}, ${s.tool.label}: ${ms === undefined ? 'never served' : `${Math.round(ms)} ms`}${tree.underDlv ? ', under dlv' : ''}`);
        await sleep(300); // each save measured on its own
        // Where the time went: the floor's own stopwatch, or the CLI's line for this reload.
        const ready = s.tool.readyLines?.();
        if (s.tool.last) s.parts.push(s.tool.last);
        else if (ready?.length > readyBefore) s.parts.push(ready.at(-1));
      }
    }
  } finally {
    for (const s of live) result.leftRunning.push(...(await stopAndCheck(s, track)));
    track.killAll();
    for (const d of track.dirs) fs.rmSync(d, { recursive: true, force: true, maxRetries: 3 });
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.removeListener(sig, onSignal);
  }
  for (const s of live) {
    const row = { label: s.tool.label, ...stats(s.samples), samples: s.samples.map((t) => (t === undefined ? null : Math.round(t))) };
    row.underDlv = s.checks.filter(Boolean).length;
    row.builds = s.buildsBefore === undefined ? undefined : s.tool.builds() - s.buildsBefore;
    if (s.parts.length) {
      row.parts = Object.fromEntries(Object.keys(s.parts[0]).map((k) => [k, median(s.parts.map((p) => p[k]))]));
      row.partSamples = s.parts.map((p) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, round1(v)])));
    }
    result.saveToServing[s.name] = row;
  }
  const m = (k) => result.saveToServing[k]?.median;
  result.ratios = {
    debugToNormal: ratio(m('ours-debug'), m('ours')),
    debugToFloor: ratio(m('ours-debug'), m('floor-debug')),
    normalToDebugFloor: ratio(m('ours'), m('floor-debug')),
  };
  result.dlvSeen = track.dlvSeen();
  result.loadavgEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'debug.json'), JSON.stringify(result, null, 2) + '\n');
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values: o } = parseArgs({ options: { n: { type: 'string' }, out: { type: 'string' }, 'no-first-switch': { type: 'boolean' } } });
  const n = Number(o.n ?? 7);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--n must be a whole number of rounds, 1 or more (got ${o.n})`);
    process.exit(2);
  }
  const outDir = path.resolve(o.out ?? path.join(ROOT, 'test', 'bench', 'results'));
  const r = await debugBench({ n, out: outDir, first: !o['no-first-switch'] });
  const { debugTable } = await import('./debugReport.mjs');
  const { debugProblems } = await import('./debugCheck.mjs');
  console.log('\n' + debugTable(r).join('\n'));
  console.log(`\n${path.join(outDir, 'debug.json')}`);
  const problems = debugProblems(r);
  for (const p of problems) console.log(`  ✗ ${p}`);
  if (!problems.length) console.log('  ✔ every row measured what it says; nothing left running');
}
