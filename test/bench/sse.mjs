#!/usr/bin/env node
// Does an open tab slow a reload? Save → serving through the request-holding proxy (the CLI with
// --proxy-port, on the traffic fixture), with and without an event stream (SSE) open through the
// proxy, alternating in the same run so load from anything else hits both alike. (The drain before
// a stop used to wait its whole 2 s for such a stream, which never ends.)
//
//   node esbuild.mjs && node test/bench/sse.mjs [--n 10] [--out dir]
//
// Prints the medians and writes <out>/sse.json (default test/bench/results/sse.json).
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, WORK, freePort, goVersion, sleep, startTool, stats, stopTool, untilServes } from './lib.mjs';

const { values: opt } = parseArgs({ options: { n: { type: 'string' }, out: { type: 'string' } } });
const N = Number(opt.n ?? 10);
const outDir = path.resolve(opt.out ?? path.join(ROOT, 'test', 'bench', 'results'));
const cli = path.join(ROOT, 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  console.error(`${cli} is missing: run \`node esbuild.mjs\` first`);
  process.exit(1);
}

const dir = path.join(WORK, 'sse');
fs.rmSync(dir, { recursive: true, force: true });
fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'traffic'), dir, { recursive: true });
const main = path.join(dir, 'main.go');
/** An editor save of the served message; returns the time of the write. */
const save = (text) => {
  fs.writeFileSync(main, fs.readFileSync(main, 'utf8').replace(/^const message = "[^"]*"/m, `const message = ${JSON.stringify(text)}`));
  return performance.now();
};

/** An event stream through the proxy, open once its first event arrived; reports when it closes. */
function openStream(port) {
  return new Promise((resolve, reject) => {
    const s = { closed: false, events: 0, destroy: () => req.destroy() };
    const req = http.get({ host: '127.0.0.1', port, path: '/events', agent: false, headers: { Accept: 'text/event-stream' } }, (res) => {
      res.on('data', () => s.events++ === 0 && resolve(s));
      res.on('close', () => (s.closed = true));
    });
    req.on('error', (e) => (s.closed = true) && reject(e));
    req.setTimeout(10_000, () => req.destroy(new Error('no event within 10 s')));
  });
}

const port = await freePort();
fs.mkdirSync(WORK, { recursive: true });
const log = path.join(WORK, 'sse.log');
save('sse start');
const child = startTool(process.execPath, [cli, dir, '--kill-delay-ms', '1000', '--proxy-port', String(port)], { cwd: dir, env: {}, log });
const without = [];
const withStream = [];
let closed = 0;
try {
  if ((await untilServes(port, 'sse start', performance.now(), 120_000)) === undefined) throw new Error(`never served the first build (see ${log})`);
  await sleep(500);
  for (let i = 1; i <= N; i++) {
    const a = await untilServes(port, `plain ${i}`, save(`plain ${i}`));
    without.push(a);
    await sleep(300);
    const stream = await openStream(port);
    const b = await untilServes(port, `streamed ${i}`, save(`streamed ${i}`));
    withStream.push(b);
    for (let w = 0; w < 100 && !stream.closed; w++) await sleep(20);
    if (stream.closed) closed++;
    stream.destroy();
    console.log(`reload ${i}: ${Math.round(a)} ms without, ${Math.round(b)} ms with an open event stream${stream.closed ? '' : ' (the stream stayed open!)'}`);
    await sleep(300);
  }
} finally {
  await stopTool(child, dir);
}

const r = (x) => Math.round(x * 10) / 10;
const result = {
  date: new Date().toISOString(),
  node: process.version,
  go: goVersion(),
  n: N,
  without: stats(without),
  withOpenStream: stats(withStream),
  addedMedianMs: 0,
  streamsClosedByReload: closed,
};
result.addedMedianMs = r((result.withOpenStream.median ?? NaN) - (result.without.median ?? NaN));
console.log(`\nsave → serving through the proxy, ${N} reloads each, alternating`);
console.log(`without a stream  median ${result.without.median} ms  p90 ${result.without.p90} ms`);
console.log(`with one open     median ${result.withOpenStream.median} ms  p90 ${result.withOpenStream.p90} ms`);
console.log(`added median ${result.addedMedianMs} ms; the reload closed ${closed}/${N} streams (EventSource reconnects to the new server)`);
fs.mkdirSync(outDir, { recursive: true });
const out = path.join(outDir, 'sse.json');
fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
fs.rmSync(dir, { recursive: true, force: true });
console.log(`wrote ${path.relative(process.cwd(), out)}`);
process.exit(without.length === N && withStream.every((t) => t !== undefined) && without.every((t) => t !== undefined) ? 0 : 1);
