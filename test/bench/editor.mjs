#!/usr/bin/env node
// The typing replay in the real editor (VS Code Server + Chromium), with the floor measured in the
// same run, under the same load: the editor's ratio to the floor is then like for like.
//
// A person types a fresh token into the Gin fixture's greeting, one key at a time at seeded human
// intervals (80–250 ms), waits d ms after the last key, and presses Ctrl+S; we time Ctrl+S → the
// first answer from the app with the new token. d is each of `delays`, plus a "pause" (pauseMs)
// after which the binary pre-built while typing should be ready. The cases are interleaved, and
// each round also times the floor by hand (go build, stop, start) on a second copy of the fixture
// outside the workspace (the extension never sees it), plain and with our -ldflags="-s -w".
//
//   node test/bench/editor.mjs [--n 3] [--out DIR] [--seed 1] [--pause-ms 1500] [--delays 0,150,300,600] [--terminal] [--plain-poll]
// --terminal: show the Gopher Reload terminal first (the automatic start at open does not), as a
// user watching the server's output would; the browser then draws it on every reload.
//   → DIR/editor.json (DIR defaults to test/bench/results). Needs dist/ (node esbuild.mjs).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ROOT, freePort, goVersion, killUnder, sleep, stats, stopTool, untilServes, writeMessage } from './lib.mjs';
import { floor, floorOurFlags } from './tools.mjs';
import { cpuDelta, cpuNow, cpuProcesses } from './editorCpu.mjs';
import { listeners, untilNewServerServes } from './editorPoll.mjs';
import { extensionLog, saveTimeline, messageOnDisk, openMessageFile, showServerOutput, rng, selectMessage, tokenMaker, typeHuman } from './editorWorkbench.mjs';
import { CODE_SERVER_VERSION } from '../host/install.mjs';
import { openWorkbench } from '../host/screenshot.mjs';
import { processesUnder } from '../support/index.mjs';

/** The median as lib.mjs's stats() takes it (the lower middle), to the millisecond of CPU. */
function median(xs) {
  const v = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  return v.length ? Math.round(v[Math.ceil(v.length / 2) - 1] * 1000) / 1000 : undefined;
}
const medianCpu = (samples, window = 'total') =>
  Object.fromEntries(['browser', 'extensionHost', 'extensionHostChildren', 'self'].map((k) => [k, median(samples.map((s) => s.cpu[window][k]))]));

export async function editorTyping({ n, delays = [0, 150, 300, 600], pauseMs = 1500, seed = 1, out, plainPoll = false, terminal = false, log = console.log }) {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: build it first with `node esbuild.mjs`.');
  const cases = [...delays.map((d) => ({ key: String(d), delayMs: d })), { key: 'pause', delayMs: pauseMs }];
  const random = rng(seed);
  const nextToken = tokenMaker(random);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gopher-reload-bench-editor-'));
  const ws = path.join(work, 'ws');
  // The floors' copies sit next to the workspace, not in it: the extension never sees their edits.
  const floors = [
    { tool: floor(), dir: path.join(work, 'floor') },
    { tool: floorOurFlags(), dir: path.join(work, 'floor-sw') },
  ];
  // A Ctrl-C must leave nothing behind: the floors' servers and the app (own process groups),
  // code-server, our folder. Then the signal's default (exit), unless the code-server harness has
  // its own handler (it stops what is left of its server, then re-raises).
  const onSignal = (sig) => {
    killUnder(work); // code-server too (its run dir is in work): no graceful deactivate on Ctrl-C
    fs.rmSync(work, { recursive: true, force: true });
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  };
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(s, onSignal);
  const startedAt = new Date().toISOString();
  const load0 = os.loadavg();
  let wb, result, left;
  try {
    for (const f of [{ dir: ws }, ...floors]) {
      fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'gin-api'), f.dir, { recursive: true });
      writeMessage(f.dir, 'bench start');
    }
    for (const f of floors) {
      f.port = await freePort();
      await f.tool.start(f.dir, f.port).catch((e) => {
        throw new Error(
          `${e.message} in a copy of test/fixtures/gin-api (${f.dir}). Is the module cache filled? Run: cd test/fixtures/gin-api && go mod download`,
        );
      });
      if ((await untilServes(f.port, 'bench start', performance.now(), 30_000)) === undefined)
        throw new Error(`the floor's server (${f.tool.name}) never answered on port ${f.port}`);
    }
    const port = await freePort();
    fs.mkdirSync(path.join(ws, '.vscode'));
    fs.writeFileSync(
      path.join(ws, '.vscode', 'settings.json'),
      JSON.stringify({ 'gopherReload.startOnOpen': true, 'gopherReload.env': { PORT: String(port) } }, null, 2),
    );
    log(`  opening the workbench on ${ws} (app port ${port})`);
    // The workbench's run dir inside ours: one folder to remove, and one to check for leftovers.
    wb = await openWorkbench({ extensionDevelopmentPath: ROOT, folder: ws, runDir: path.join(work, 'wb') });
    const runDir = wb.runDir;
    const { page } = wb;
    if ((await untilServes(port, 'bench start', performance.now(), 180_000)) === undefined)
      throw new Error(`the extension never served the app on port ${port} (startOnOpen)`);
    if (terminal) await showServerOutput(page);
    await openMessageFile(page);
    const xlog = extensionLog(runDir);
    if (!xlog.file()) throw new Error(`no "Gopher Reload" log file under ${runDir}/udd/logs: cannot tell pre-built saves from builds`);
    await xlog.quiet(1000, 20_000);

    /** One typed edit and save; the time is Ctrl+S → the first answer with the new token. */
    const typed = async (c) => {
      const token = nextToken();
      await selectMessage(page, ws);
      await sleep(200); // the hand moves from the selection to typing
      xlog.mark();
      const before = listeners(port); // the serving server's socket: its change opens the 3 ms polls
      const procs = cpuProcesses();
      const cpu0 = cpuNow(procs);
      const intervals = await typeHuman(page, token, random);
      const lastKey = performance.now();
      const cpu1 = cpuNow(procs); // well under 1 ms: the save is not moved
      const wait = c.delayMs - (performance.now() - lastKey);
      if (wait > 0) await sleep(wait);
      const t0 = performance.now();
      const savedAt = Date.now(); // the log's clock
      await page.keyboard.press('Control+S');
      const served = await untilNewServerServes(port, token, t0, before, { plain: plainPoll });
      let ms = served.ms;
      // Idle before the next sample: served, then the extension's log quiet (a late build is done).
      await sleep(1000);
      await xlog.quiet(500);
      const cpu2 = cpuNow(procs);
      const cpu = { typing: cpuDelta(cpu0, cpu1), afterLastKey: cpuDelta(cpu1, cpu2), total: cpuDelta(cpu0, cpu2) };
      const seen = xlog.since();
      const onDisk = messageOnDisk(ws).value;
      // A key lost or misplaced: the time is not of the edit we meant, so it is not counted.
      if (onDisk !== token) ms = undefined;
      const s = {
        case: c.key,
        ms: ms && Math.round(ms),
        token,
        onDisk,
        intervals,
        httpRequests: served.requests,
        prebuiltUsed: seen.prebuiltUsed,
        prebuiltWaitedMs: seen.prebuiltWaitedMs,
        builds: seen.builds,
        fromLog: saveTimeline(seen.timeline, savedAt),
        cpu,
        // The extension's own timeline of this save (timestamped lines): where the time went.
        log: seen.text.split('\n').filter(Boolean).slice(0, 40),
      };
      log(
        `    ${c.key.padStart(5)}: ${s.ms ?? 'FAILED'} ms${s.prebuiltUsed ? ' (pre-built)' : ''}${onDisk !== token ? ` (typed ${token}, disk has ${onDisk})` : ''}`,
      );
      return s;
    };
    /** One floor reload: write, build, stop, start, first answer (tools.mjs's floor, as in run.mjs). */
    const byHand = async (f) => {
      const token = nextToken();
      const procs = cpuProcesses();
      const cpu0 = cpuNow(procs);
      const ms = await f.tool.reload(f.dir, f.port, token);
      const cpu = { total: cpuDelta(cpu0, cpuNow(procs)) };
      await sleep(1000);
      log(`    ${f.tool.name}: ${ms === undefined ? 'FAILED' : Math.round(ms)} ms`);
      return { case: f.tool.name, ms: ms && Math.round(ms), token, cpu };
    };

    log('  warm-up (not counted): one typed save, one reload of each floor');
    const warmup = [await typed(cases[0])];
    for (const f of floors) warmup.push(await byHand(f));
    const samples = [];
    for (let round = 1; round <= n; round++) {
      log(`  round ${round}/${n}`);
      for (const c of cases) samples.push(await typed(c));
      for (const f of floors) samples.push(await byHand(f));
    }
    result = summarize({ cases, floors, samples, warmup, n, seed, startedAt, load0, plainPoll, terminal });
  } finally {
    // Close everything, then check: nothing of this run may be left running.
    if (wb) await wb.close();
    for (const f of floors) await stopTool(f.tool.server, f.dir);
    left = processesUnder(work); // the app, the floors' servers, code-server and its extension host
    killUnder(work);
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.off(s, onSignal);
    fs.rmSync(work, { recursive: true, force: true });
    log(`  left running after close: ${left.length}${left.length ? ` (killed now): ${left.map((p) => `${p.pid} ${p.cmd}`).join('; ')}` : ''}`);
  }
  result.leftRunningAfterClose = left.map((p) => p.cmd);
  if (out) {
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'editor.json'), JSON.stringify(result, null, 2) + '\n');
    log(`  wrote ${path.join(out, 'editor.json')}`);
  }
  return result;
}

/** The JSON: per case the latency stats, pre-built use and CPU; the floors; the ratios. */
export function summarize({ cases, floors, samples, warmup, n, seed, startedAt, load0, plainPoll, terminal = false }) {
  const of = (key) => samples.filter((s) => s.case === key);
  const row = (list) => ({ ...stats(list.map((s) => s.ms)), samples: list.map((s) => s.ms ?? null), cpuSecondsMedian: medianCpu(list) });
  const unexplained = samples.filter((s) => s.intervals && s.ms !== undefined && !s.prebuiltUsed && !s.builds).length;
  const [plain, sw] = floors.map((f) => row(of(f.tool.name)));
  const ratio = (a, b) => (a && b ? Math.round((a / b) * 100) / 100 : undefined);
  const result = {
    date: startedAt,
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      os: `${os.type()} ${os.release()}`,
      loadavgStart: load0.map((x) => Math.round(x * 100) / 100),
      loadavgEnd: os.loadavg().map((x) => Math.round(x * 100) / 100),
    },
    versions: { go: goVersion(), node: process.version, codeServer: CODE_SERVER_VERSION },
    n,
    seed,
    delays: {},
    floor: { label: floors[0].tool.label, ...plain },
    floorSW: { label: floors[1].tool.label, ...sw },
  };
  for (const c of cases) {
    const list = of(c.key);
    const r = row(list);
    result.delays[c.key] = {
      delayMs: c.delayMs,
      ...r,
      prebuiltUsed: list.filter((s) => s.prebuiltUsed).length,
      of: list.length,
      prebuiltWaitedMs: list.filter((s) => s.prebuiltUsed).map((s) => s.prebuiltWaitedMs),
      buildsAfterSave: list.map((s) => s.builds),
      ratioToFloor: ratio(r.median, plain.median),
      ratioToFloorSW: ratio(r.median, sw.median),
      cpuSecondsAfterLastKeyMedian: medianCpu(list, 'afterLastKey'),
      fromLogMedian: Object.fromEntries(
        ['decisionMs', 'readyMs', 'engineSaveToReadyMs', 'stopMs', 'startMs'].map((k) => [k, median(list.map((s) => s.fromLog[k]))]),
      ),
      typingErrors: list.filter((s) => s.onDisk !== s.token).map((s) => ({ typed: s.token, onDisk: s.onDisk })),
    };
  }
  const typedSamples = samples.filter((s) => s.intervals);
  const cpuOf = (window, k) => median(typedSamples.map((s) => s.cpu[window][k]));
  result.browserCpuSecondsPerReload = { median: cpuOf('total', 'browser'), typing: cpuOf('typing', 'browser'), afterLastKey: cpuOf('afterLastKey', 'browser') };
  result.extensionHostCpuSecondsPerReload = {
    median: cpuOf('total', 'extensionHost'),
    typing: cpuOf('typing', 'extensionHost'),
    afterLastKey: cpuOf('afterLastKey', 'extensionHost'),
  };
  result.buildCpuSecondsPerReload = {
    editor: cpuOf('total', 'extensionHostChildren'),
    floor: plain.cpuSecondsMedian.self,
    floorSW: sw.cpuSecondsMedian.self,
  };
  result.terminalShown = terminal;
  result.polling = plainPoll ? 'plain: every 3 ms from the save' : 'every 3 ms once the listening socket changed, every 100 ms before';
  result.httpRequestsPerSave = stats(typedSamples.map((s) => s.httpRequests));
  result.keyIntervalsMs = stats(typedSamples.flatMap((s) => s.intervals));
  result.warmup = warmup.map((s) => ({ case: s.case, ms: s.ms ?? null, prebuiltUsed: s.prebuiltUsed }));
  // A served save with neither a build nor a pre-built swap in the log: the log's wording changed,
  // and the pre-built counts above cannot be trusted.
  result.savesTheLogDoesNotExplain = unexplained;
  result.samples = samples;
  result.notes = [
    'Save → serving: from the Ctrl+S key press (playwright, in the real workbench) to the first HTTP 200 from the app containing the new token, polled every 3 ms once the listening socket on the port changed (every 100 ms before): polling the old server every 3 ms floods the Gopher Reload terminal with Gin access-log lines the browser renders, a cost no user causes (see test/bench/editorPoll.mjs; --plain-poll shows it). The floor polls only after it started the new server, as in run.mjs.',
    'Keys: one at a time with page.keyboard.type, seeded intervals of 80–250 ms on an absolute schedule; the delay is counted from the moment the browser handled the last key.',
    'Cases interleaved in each round (delays, then pause, then floor, then floor -s -w); one unrecorded warm-up of each first. A sample whose saved text is not the typed token is not counted (typingErrors).',
    'pre-built: the save was served by the binary pre-built while typing, read from the extension\'s "Gopher Reload" log (info lines); prebuiltWaitedMs: how long the save waited for that pre-build to finish.',
    'Floors: tools.mjs floor (go build -o bin, SIGINT the old server, start, first answer), timed from the file write, on a copy of the fixture outside the workspace, while VS Code Server and Chromium are up and the extension idle.',
    "fromLog (ms after Ctrl+S, from the extension log's timestamps): decisionMs = the engine decided (a build started, or the pre-built binary was taken: VS Code's save, the change event and the engine's quiet window before it), readyMs = the engine found the new server ready; engineSaveToReadyMs, stopMs, startMs = the engine's own figures from its 'ready on' line.",
    "CPU seconds per sample, from /proc, in two windows: typing (first key → last key) and afterLastKey (last key → served + 1 s settle, the delay included); total is both. Groups: browser = every Chromium process of this run; extensionHost = the extension host's own threads; extensionHostChildren = its reaped children (go builds, pre-builds, stopped app servers); self = this bench's reaped children (the floor's go build and its stopped server).",
  ];
  return result;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const USAGE = 'usage: node test/bench/editor.mjs [--n 3] [--out DIR] [--seed 1] [--pause-ms 1500] [--delays 0,150,300,600] [--terminal] [--plain-poll]';
  let o;
  try {
    ({ values: o } = parseArgs({
      options: {
        'plain-poll': { type: 'boolean' },
        terminal: { type: 'boolean' },
        n: { type: 'string' },
        out: { type: 'string' },
        seed: { type: 'string' },
        'pause-ms': { type: 'string' },
        delays: { type: 'string' },
      },
    }));
  } catch (e) {
    console.error(`${e.message}\n${USAGE}`);
    process.exit(2);
  }
  const num = (v, name, min = 0) => {
    const x = Number(v);
    if (v === '' || !Number.isInteger(x) || x < min) {
      console.error(`--${name} must be a whole number ≥ ${min}, got ${JSON.stringify(v)}\n${USAGE}`);
      process.exit(2);
    }
    return x;
  };
  const args = {
    n: o.n === undefined ? 3 : num(o.n, 'n', 1),
    seed: o.seed === undefined ? 1 : num(o.seed, 'seed'),
    pauseMs: o['pause-ms'] === undefined ? 1500 : num(o['pause-ms'], 'pause-ms'),
    delays: o.delays === undefined ? undefined : o.delays.split(',').map((d) => num(d.trim(), 'delays')),
    out: path.resolve(o.out ?? path.join(ROOT, 'test', 'bench', 'results')),
    plainPoll: !!o['plain-poll'],
    terminal: !!o.terminal,
  };
  console.log(`▶ typing replay in VS Code Server (n ${args.n}, seed ${args.seed})`);
  const r = await editorTyping(args);
  for (const [k, v] of Object.entries(r.delays)) {
    console.log(
      `  save ${k === 'pause' ? `after a ${v.delayMs} ms pause` : `${k} ms after the last key`}: median ${v.median} ms, pre-built ${v.prebuiltUsed}/${v.of}, ×${v.ratioToFloor} the floor`,
    );
  }
  console.log(
    `  floor ${r.floor.median} ms, floor -s -w ${r.floorSW.median} ms (same run, same load); browser CPU per reload ${r.browserCpuSecondsPerReload.median} s`,
  );
  if (r.savesTheLogDoesNotExplain) {
    console.log(
      `  WARNING: ${r.savesTheLogDoesNotExplain} served save(s) show neither "build (" nor "served by the binary pre-built while typing" in the extension's log: update extensionLog() in test/bench/editorWorkbench.mjs`,
    );
  }
  if (r.leftRunningAfterClose.length || r.savesTheLogDoesNotExplain) process.exitCode = 1;
}
