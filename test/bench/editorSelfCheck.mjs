#!/usr/bin/env node
// Checks of the editor bench's own parts, without the workbench (seconds, not minutes): the wait
// for a new server and what it costs the old one, the extension log reading, the save timeline,
// the tokens, the /proc CPU accounting. The bench's numbers rest on these.
//   node test/bench/editorSelfCheck.mjs   → "editor bench self-check: N passed, N failed, N skipped"
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { checkPlan } from '../support/checks.mjs';
import { freePort, sleep, writeMessage } from './lib.mjs';
import { listeners, untilNewServerServes } from './editorPoll.mjs';
import { extensionLog, messageOnDisk, rng, saveTimeline, tokenMaker } from './editorWorkbench.mjs';
import { cpuDelta, cpuNow, cpuProcesses } from './editorCpu.mjs';

const plan = checkPlan('editor bench self-check');
const sockets = plan.add('listeners() sees the socket listening on the port, none once it closed, another after a restart');
const gated = plan.add('the gated wait polls every few ms once the old socket closed and finds the new server, with at most one GET per 100 ms to the old one');
const plain = plan.add('--plain-poll sends the old server a GET every few ms (the flood the gated wait avoids)');
const sameSocket = plan.add('a server that answers differently on the same socket is still found (by the 100 ms GETs)');
const logRead = plan.add('extensionLog() finds the log at its VS Code path and reads only what came after mark()');
const timelineRead = plan.add("saveTimeline() reads the engine's decision and 'ready on' lines; undefined where they are missing");
const tokens = plan.add('tokens are 8–12 letters and digits, start with a letter, never repeat; a seed replays them');
const cpu = plan.add("cpuNow() counts a reaped child's CPU in self");
const disk = plan.add('messageOnDisk() reads the greeting writeMessage() wrote, and says clearly when the line is gone');

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gopher-reload-editor-check-'));
const serve = (port, answer, hits = { n: 0 }) =>
  new Promise((resolve) => {
    const s = http.createServer((_, res) => {
      hits.n++;
      res.end(answer());
    });
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
const close = (s) => new Promise((r) => (s.closeAllConnections(), s.close(() => r())));
const assert = (ok, what) => {
  if (!ok) throw new Error(what);
};

try {
  await plan.section('a plain HTTP server on a free port', async () => {
    const port = await freePort();
    await sockets(async () => {
      assert(listeners(port) === '', `a free port shows listeners: ${listeners(port)}`);
      const a = await serve(port, () => 'a');
      const first = listeners(port);
      assert(/^\d+$/.test(first), `one listening socket expected, got ${JSON.stringify(first)}`);
      await close(a);
      assert(listeners(port) === '', 'the closed socket is still listed');
      const b = await serve(port, () => 'b');
      const second = listeners(port);
      await close(b);
      assert(second && second !== first, `the restarted server's socket ${second} should differ from ${first}`);
    });
    for (const [check, opts] of [
      [gated, {}],
      [plain, { plain: true }],
    ]) {
      await check(async () => {
        const hits = { n: 0 };
        const old = await serve(port, () => 'old', hits);
        const before = listeners(port);
        const t0 = performance.now();
        let listeningAt;
        const swap = (async () => {
          await sleep(1000);
          await close(old);
          await sleep(200); // the build of the new one
          const fresh = await serve(port, () => 'new token');
          listeningAt = performance.now() - t0;
          return fresh;
        })();
        const r = await untilNewServerServes(port, 'new token', t0, before, { timeoutMs: 5000, ...opts });
        const s = await swap;
        await close(s);
        if (opts.plain) {
          assert(hits.n > 100, `the plain wait sent the old server only ${hits.n} GETs in 1 s`);
        } else {
          assert(hits.n <= 12, `the old server got ${hits.n} GETs in 1 s`);
          // The gate opened when the old socket closed: GETs every few ms through the 200 ms gap.
          assert(r.requests - hits.n >= 20, `only ${r.requests - hits.n} GETs after the old server closed`);
          assert(r.ms !== undefined && r.ms - listeningAt < 50, `found ${r.ms} ms after the start, ${r.ms - listeningAt} ms after the new server listened`);
          console.log(`    (old server: ${hits.n} GETs; found ${Math.round(r.ms - listeningAt)} ms after the new one listened; ${r.requests} GETs in all)`);
        }
      });
    }
    await sameSocket(async () => {
      let answer = 'before';
      const s = await serve(port, () => answer);
      const t0 = performance.now();
      setTimeout(() => (answer = 'after'), 300);
      const r = await untilNewServerServes(port, 'after', t0, listeners(port), { timeoutMs: 3000 });
      await close(s);
      assert(r.ms !== undefined && r.ms < 300 + 150, `found after ${r.ms} ms (the answer changed at 300 ms)`);
    });
  });

  await plan.section('a fake code-server run dir', async () => {
    await logRead(async () => {
      const dir = path.join(work, 'run', 'udd', 'logs', '20261130T120000', 'exthost1', 'gopher-reload.gopher-reload');
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, 'Gopher Reload.log');
      fs.writeFileSync(file, '2026-11-30 12:00:00.000 [info] [ws] build (handlers/message.go)\n');
      const log = extensionLog(path.join(work, 'run'));
      assert(log.file() === file, `found ${log.file()}`);
      log.mark();
      assert(log.since().builds === 0, 'a line before mark() was counted');
      fs.appendFileSync(
        file,
        '2026-11-30 12:00:01.000 [info] [ws] handlers/message.go: served by the binary pre-built while typing (waited 42 ms for it to finish)\n',
      );
      const s = log.since();
      assert(s.prebuiltUsed && s.prebuiltWaitedMs === 42 && s.builds === 0, `read ${JSON.stringify(s)}`);
      assert(s.timeline.length === 1 && s.timeline[0].at === new Date('2026-11-30T12:00:01.000').getTime(), `timeline ${JSON.stringify(s.timeline)}`);
      fs.appendFileSync(file, '2026-11-30 12:00:02.000 [info] [ws] build (handlers/message.go)\n');
      assert(log.since().builds === 1, 'a build after mark() was not counted');
    });
    await timelineRead(async () => {
      const at = (t) => new Date(`2026-11-30T${t}`).getTime();
      const lines = [
        { at: at('12:00:00.050'), text: '[info] [ws] build (handlers/message.go)' },
        { at: at('12:00:01.000'), text: '[info] [ws] stopped pid 7 in 19 ms' },
        { at: at('12:00:01.100'), text: '[info] [ws] ready on :8080 (detected) — build 900 ms, stop 19 ms, start 67 ms, save→ready 1040 ms' },
      ];
      const t = saveTimeline(lines, at('12:00:00.000'));
      const want = { decisionMs: 50, readyMs: 1100, engineSaveToReadyMs: 1040, stopMs: 19, startMs: 67 };
      assert(JSON.stringify(t) === JSON.stringify(want), `read ${JSON.stringify(t)}`);
      const none = saveTimeline([lines[1]], at('12:00:00.000'));
      assert(
        Object.values(none).every((v) => v === undefined),
        `read ${JSON.stringify(none)} from no decision and no ready line`,
      );
    });
  });

  await plan.section('pure helpers', async () => {
    await tokens(async () => {
      const a = tokenMaker(rng(7));
      const list = Array.from({ length: 2000 }, a);
      const bad = list.find((t) => !/^[a-z][a-z0-9]{7,11}$/.test(t));
      assert(!bad, `bad token ${bad}`);
      assert(new Set(list).size === list.length, 'a token repeated');
      const b = tokenMaker(rng(7));
      assert(
        list.slice(0, 50).every((t) => t === b()),
        'the same seed gave other tokens',
      );
    });
    await cpu(async () => {
      const c0 = cpuNow(cpuProcesses());
      await new Promise((r) => spawn(process.execPath, ['-e', 'while (process.cpuUsage().user < 400e3);']).on('exit', r));
      await sleep(50);
      const d = cpuDelta(c0, cpuNow(cpuProcesses()));
      assert(d.self >= 0.3, `a child that used 400 ms of CPU counted ${d.self} s`);
    });
    await disk(async () => {
      const dir = path.join(work, 'app');
      fs.mkdirSync(path.join(dir, 'handlers'), { recursive: true });
      writeMessage(dir, 'abc123');
      const m = messageOnDisk(dir);
      assert(m.value === 'abc123' && m.line === 4, `read ${JSON.stringify(m)}`);
      fs.writeFileSync(path.join(dir, 'handlers', 'message.go'), 'package handlers\n');
      let msg = '';
      try {
        messageOnDisk(dir);
      } catch (e) {
        msg = e.message;
      }
      assert(msg.includes("no line 'const Message"), `error: ${JSON.stringify(msg)}`);
    });
  });
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
process.exit(plan.summary());
