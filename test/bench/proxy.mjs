#!/usr/bin/env node
// How much latency the reload proxy adds to an ordinary request. An upstream Node http server
// answers a small body; one client sends sequential keep-alive GETs straight to it and through
// the proxy, in alternating rounds so drift (CPU frequency, GC, other load) hits both alike.
// Everything runs in this one process: requests are sequential, so nothing competes, and the
// difference is the proxy's own work plus one extra loopback hop.
//
//   npx tsc -p test/tsconfig.json && node test/bench/proxy.mjs [--rounds 5] [--requests 2000]
//
// Prints median and p95 per request and writes test/bench/results/proxy-latency.json.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const compiled = path.join(here, '..', '..', 'out', 'src', 'core', 'proxy.js');
if (!fs.existsSync(compiled)) {
  console.error(`${compiled} is missing: run \`npx tsc -p test/tsconfig.json\` first`);
  process.exit(1);
}
const { ReloadProxy } = require(compiled);
const { freePort } = require(path.join(here, '..', '..', 'out', 'src', 'core', 'ports.js'));

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? def : Number(process.argv[i + 1]);
};
const ROUNDS = arg('rounds', 5);
const REQUESTS = arg('requests', 2000);
const WARMUP = 200;
const BODY = Buffer.from('{"message":"pong"}');

const upstream = http.createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': BODY.length });
  res.end(BODY);
});
// Connections the app accepted during the proxied rounds: one means the proxy reused it throughout.
let upstreamConnections = 0;
let counting = false;
upstream.on('connection', () => counting && upstreamConnections++);
const upPort = await freePort();
upstream.listen(upPort, '127.0.0.1');
await once(upstream, 'listening');
const proxy = await ReloadProxy.listen({ listenPort: 0, holdMs: 10_000, liveReload: true });
proxy.setUpstream({ kind: 'up', port: upPort });

function get(agent, port) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/ping', agent }, (res) => {
      let n = 0;
      res.on('data', (c) => (n += c.length));
      res.on('end', () => (res.statusCode === 200 && n === BODY.length ? resolve() : reject(new Error(`status ${res.statusCode}, ${n} bytes`))));
    });
    req.on('error', reject);
  });
}

/** Per-request latencies in µs for `n` sequential GETs over one keep-alive connection. */
async function series(port, n) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (let i = 0; i < WARMUP; i++) await get(agent, port);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const t = process.hrtime.bigint();
      await get(agent, port);
      out[i] = Number(process.hrtime.bigint() - t) / 1000;
    }
    return out;
  } finally {
    agent.destroy();
  }
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const summary = (all) => {
  const s = Float64Array.from(all).sort();
  return { medianUs: Math.round(quantile(s, 0.5) * 10) / 10, p95Us: Math.round(quantile(s, 0.95) * 10) / 10 };
};

const direct = [];
const proxied = [];
const t0 = Date.now();
for (let r = 0; r < ROUNDS; r++) {
  // Alternate which goes first, so neither always runs on a warmer process.
  const order = r % 2 === 0 ? ['direct', 'proxy'] : ['proxy', 'direct'];
  for (const which of order) {
    counting = which === 'proxy';
    const lat = await series(which === 'direct' ? upPort : proxy.port, REQUESTS);
    (which === 'direct' ? direct : proxied).push(...lat);
    const s = summary(lat);
    console.log(`round ${r + 1} ${which.padEnd(6)} median ${s.medianUs} µs  p95 ${s.p95Us} µs`);
  }
}
await proxy.close();
upstream.close();
upstream.closeAllConnections();

const result = {
  date: new Date().toISOString(),
  node: process.version,
  rounds: ROUNDS,
  requestsPerRound: REQUESTS,
  direct: summary(direct),
  proxy: summary(proxied),
  addedMedianUs: 0,
  addedP95Us: 0,
  proxyToAppConnections: upstreamConnections,
  stats: proxy.stats(),
};
result.addedMedianUs = Math.round((result.proxy.medianUs - result.direct.medianUs) * 10) / 10;
result.addedP95Us = Math.round((result.proxy.p95Us - result.direct.p95Us) * 10) / 10;
console.log(`\n${ROUNDS} rounds × ${REQUESTS} sequential keep-alive GETs (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
console.log(`direct   median ${result.direct.medianUs} µs  p95 ${result.direct.p95Us} µs`);
console.log(`proxy    median ${result.proxy.medianUs} µs  p95 ${result.proxy.p95Us} µs`);
console.log(`added    median ${result.addedMedianUs} µs  p95 ${result.addedP95Us} µs`);
console.log(`the proxy opened ${upstreamConnections} connection(s) to the app for ${ROUNDS * (REQUESTS + WARMUP)} requests`);
const out = path.join(here, 'results', 'proxy-latency.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(`wrote ${path.relative(process.cwd(), out)}`);
