import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { LIVE_SCRIPT_TAG } from '../../src/core/proxy/liveReload';
import { freePort } from '../../src/core/run/ports';
import { ReloadProxy } from '../../src/core/proxy/proxy';
import { copyFixture, harness, waitState, waitUntil, type Harness } from '../support/helpers';
import { record } from './record';

/**
 * The traffic a dev server sees through the proxy, against the real Go app (test/fixtures/traffic):
 * a handler with a side effect must never run twice, an open event stream must not slow a reload,
 * and a page that flushes as it renders must reach the browser as it is flushed.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
  /** ms from sending to the first body byte (undefined: no body). */
  firstByteMs?: number;
  /** When each body chunk arrived, ms from sending. */
  chunkMs: number[];
}

function send(port: number, o: { method?: string; path: string; body?: string; headers?: http.OutgoingHttpHeaders }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request({ host: '127.0.0.1', port, path: o.path, method: o.method ?? 'GET', headers: o.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      const chunkMs: number[] = [];
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        chunkMs.push(performance.now() - t0);
      });
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8'), firstByteMs: chunkMs[0], chunkMs });
      });
    });
    req.setTimeout(30_000, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(o.body);
  });
}

/** The counter file a handler increments, 0 when it never ran. */
function counter(dir: string, name: string): number {
  const f = path.join(dir, name);
  return fs.existsSync(f) ? Number(fs.readFileSync(f, 'utf8')) : 0;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });
}

/** The traffic app built once with `go build`, started and SIGKILLed by hand behind a ReloadProxy. */
class Servers {
  readonly dir = copyFixture('traffic');
  readonly counters = path.join(this.dir, 'counters');
  readonly bin = path.join(this.dir, 'traffic-bin');
  private readonly running = new Set<ChildProcess>();

  build(): void {
    fs.mkdirSync(this.counters);
    const r = spawnSync('go', ['build', '-o', this.bin, '.'], { cwd: this.dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`go build failed: ${r.stderr}`);
  }

  async start(port: number): Promise<ChildProcess> {
    const child = spawn(this.bin, [], { env: { ...process.env, PORT: String(port), TRAFFIC_DIR: this.counters }, stdio: 'ignore' });
    this.running.add(child);
    child.on('exit', () => this.running.delete(child));
    await waitUntil(`the traffic app on port ${port}`, () => listening(port), 20_000);
    return child;
  }

  async kill(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async killAll(): Promise<void> {
    await Promise.all([...this.running].map((c) => this.kill(c)));
  }
}

/** Saves a new message and resolves with the ms from the save until the proxy serves it. */
async function saveToServing(h: Harness, proxyPort: number, text: string): Promise<number> {
  const main = path.join(h.dir, 'main.go');
  fs.writeFileSync(main, fs.readFileSync(main, 'utf8').replace(/^const message = "[^"]*"/m, `const message = ${JSON.stringify(text)}`));
  const t0 = performance.now();
  h.engine.fileChanged(main);
  await waitUntil(
    `${text} served`,
    async () => {
      const r = await send(proxyPort, { path: '/' }).catch(() => undefined);
      return r?.status === 200 && r.text === text;
    },
    60_000,
  );
  return performance.now() - t0;
}

/** An event stream open through the proxy, as an open dashboard tab keeps one. */
async function openStream(port: number): Promise<{ closed: () => boolean; ticks: () => string[]; destroy: () => void }> {
  const ticks: string[] = [];
  let closed = false;
  const req = http.get({ host: '127.0.0.1', port, path: '/events', agent: false, headers: { Accept: 'text/event-stream' } });
  req.on('error', () => (closed = true));
  req.on('response', (res) => {
    res.setEncoding('utf8');
    res.on('data', (c: string) => ticks.push(...c.split('\n').filter((l) => l.startsWith('data: '))));
    res.on('close', () => (closed = true));
    res.on('error', () => (closed = true));
  });
  req.on('close', () => (closed = true));
  await waitUntil('a first event', () => ticks.length > 0, 10_000);
  return { closed: () => closed, ticks: () => ticks, destroy: () => req.destroy() };
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

describe('faults: traffic through the proxy (a request never runs twice, a stream never slows a reload, a page is never held)', function () {
  const proxies: ReloadProxy[] = [];
  let servers: Servers | undefined;
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    await servers?.killAll();
    servers = undefined;
  });

  async function behindProxy(liveReload = false): Promise<{ s: Servers; proxy: ReloadProxy }> {
    const s = new Servers();
    servers = s;
    s.build();
    const proxy = await ReloadProxy.listen({ listenPort: 0, holdMs: 15_000, liveReload });
    proxies.push(proxy);
    return { s, proxy };
  }

  it('a server killed mid-request: a POST is answered 502 and ran once, a GET too when the app died on its own but sent again when a reload stopped it, a POST to a refused port waits and goes once', async function () {
    if (process.platform === 'win32') this.skip();
    const { s, proxy } = await behindProxy();
    const port = await freePort();
    proxy.setUpstream({ kind: 'up', port });

    // 1. Body-less POST, handler mid-sleep when the server is SIGKILLed.
    let server = await s.start(port);
    const post = send(proxy.port, { method: 'POST', path: '/count?name=post&ms=3000' });
    await waitUntil('the POST handler running', () => counter(s.counters, 'post') === 1, 10_000);
    await s.kill(server);
    // The app is back on the same port at once: a wrongly resent POST would reach it.
    server = await s.start(port);
    const p = await post;
    await sleep(300);
    assert.equal(p.status, 502, p.text);
    assert.equal(p.headers['x-gopher-reload'], 'upstream-error');
    assert.match(p.text, /after the POST request was sent to it and before it answered\. The request was not sent again/);
    assert.equal(counter(s.counters, 'post'), 1, 'the POST handler ran once');

    // 2. A POST with a body: the message says the whole body went.
    const withBody = send(proxy.port, {
      method: 'POST',
      path: '/count?name=postbody&ms=3000',
      body: 'x'.repeat(1000),
      headers: { 'Content-Type': 'text/plain' },
    });
    await waitUntil('the POST-with-body handler running', () => counter(s.counters, 'postbody') === 1, 10_000);
    await s.kill(server);
    server = await s.start(port);
    const pb = await withBody;
    assert.equal(pb.status, 502);
    assert.match(pb.text, /after the whole POST request body \(1000 bytes\) was sent and before it answered/);
    assert.equal(counter(s.counters, 'postbody'), 1);

    // 3. A GET cut by the app dying on its own (a crash, maybe caused by this very request): never
    //    sent again, or a request that crashes the app would be resent into every crash restart.
    const crashed = send(proxy.port, { path: '/count?name=getcrash&ms=1000' });
    await waitUntil('the GET handler running', () => counter(s.counters, 'getcrash') === 1, 10_000);
    await s.kill(server);
    server = await s.start(port);
    const gc = await crashed;
    await sleep(300);
    assert.equal(gc.status, 502, gc.text);
    assert.equal(counter(s.counters, 'getcrash'), 1, 'the GET that died with the app ran once');

    // 3b. The same GET cut by a reload (the proxy drained, then the server was stopped): idempotent,
    //     no answer byte came back, so the new server answers it.
    const get = send(proxy.port, { path: '/count?name=get&ms=1000' });
    await waitUntil('the GET handler running', () => counter(s.counters, 'get') === 1, 10_000);
    await proxy.drain(0);
    await s.kill(server);
    server = await s.start(port);
    proxy.setUpstream({ kind: 'up', port });
    const g = await get;
    assert.equal(g.status, 200, g.text);
    assert.match(g.text, /^counted 2 by traffic v1/, 'the GET was sent again and answered');

    // 4. Between servers (connection refused): a POST waits and goes to the next server, once.
    await s.kill(server);
    const t0 = performance.now();
    const held = send(proxy.port, { method: 'POST', path: '/count?name=held', body: 'hello', headers: { 'Content-Type': 'text/plain' } });
    const bare = send(proxy.port, { method: 'POST', path: '/count?name=heldbare' });
    await sleep(500);
    assert.equal(counter(s.counters, 'held'), 0);
    server = await s.start(port);
    const [h, hb] = await Promise.all([held, bare]);
    const heldMs = Math.round(performance.now() - t0);
    assert.equal(h.status, 200, h.text);
    assert.equal(h.text, 'counted 1 by traffic v1 (5 body bytes)');
    assert.equal(hb.text, 'counted 1 by traffic v1 (0 body bytes)');
    await sleep(200);
    assert.equal(counter(s.counters, 'held') + counter(s.counters, 'heldbare'), 2);

    record({
      group: 'Load and faults',
      test: 'Server killed mid-request behind the proxy: POST not resent, GET resent only when a reload stopped it; POST to a refused port held and delivered',
      figure: `POST (no body / 1000-byte body) answered ${p.status} / ${pb.status}, handler ran ${counter(s.counters, 'post')} / ${counter(s.counters, 'postbody')} time(s); a GET cut by a crash ${gc.status} (ran ${counter(s.counters, 'getcrash')} time), one cut by a reload answered ${g.status} by the new server; 2 POSTs held ${heldMs} ms while refused, each handler ran ${counter(s.counters, 'held')} / ${counter(s.counters, 'heldbare')} time(s)`,
    });
  });

  it('a reload in the middle of a POST: the handler runs once (drained when it ends in time, else a clear 502)', async function () {
    if (process.platform === 'win32') this.skip();
    const proxyPort = await freePort();
    const countersDir = path.join(copyFixture('traffic'), 'counters');
    fs.mkdirSync(countersDir);
    const h = await harness('traffic', { proxyPort, env: { TRAFFIC_DIR: countersDir } });
    h.engine.start();
    await waitState(h, 'running', 90_000, 0);

    // Ends within the drain: the old server answers it before it is stopped.
    const short = send(proxyPort, { method: 'POST', path: '/count?name=short&ms=1500' });
    await waitUntil('the short POST running', () => counter(countersDir, 'short') === 1, 10_000);
    await saveToServing(h, proxyPort, 'traffic r1');
    const sr = await short;
    // Longer than the drain (2 s): the reload stops the old server in the middle of it.
    const long = send(proxyPort, { method: 'POST', path: '/count?name=long&ms=6000' });
    await waitUntil('the long POST running', () => counter(countersDir, 'long') === 1, 10_000);
    const longSave = await saveToServing(h, proxyPort, 'traffic r2');
    const lr = await long;
    await sleep(500);
    await h.dispose();

    record({
      group: 'Load and faults',
      test: 'Reload (save, build, swap) while a POST handler with a side effect runs, behind the proxy',
      figure: `1.5 s handler: ${sr.status} "${sr.text}", ran ${counter(countersDir, 'short')} time(s); 6 s handler: ${lr.status}, ran ${counter(countersDir, 'long')} time(s), new code served ${Math.round(longSave)} ms after the save`,
    });
    assert.equal(sr.status, 200, sr.text);
    assert.match(sr.text, /^counted 1 by traffic v1/, 'the old server finished it during the drain');
    assert.equal(counter(countersDir, 'short'), 1);
    assert.equal(lr.status, 502, lr.text);
    assert.match(lr.text, /after the POST request was sent to it and before it answered\. The request was not sent again: the app may already have run it/);
    assert.equal(counter(countersDir, 'long'), 1, 'the POST cut by the reload was not run again on the new server');
  });

  it('an open event stream does not slow a reload, and is closed (and can reconnect) after it', async function () {
    if (process.platform === 'win32') this.skip();
    const proxyPort = await freePort();
    const h = await harness('traffic', { proxyPort });
    h.engine.start();
    await waitState(h, 'running', 90_000, 0);
    const N = 5;
    const without: number[] = [];
    const withStream: number[] = [];
    let closedAfter = 0;
    let reconnected = 0;
    // Alternating, so load from anything else on the machine hits both alike.
    for (let i = 1; i <= N; i++) {
      without.push(await saveToServing(h, proxyPort, `traffic plain ${i}`));
      await sleep(300);
      const stream = await openStream(proxyPort);
      withStream.push(await saveToServing(h, proxyPort, `traffic streamed ${i}`));
      if (await waitUntil('the old stream closed', stream.closed, 5000).catch(() => false)) closedAfter++;
      stream.destroy();
      const again = await openStream(proxyPort);
      if (again.ticks()[0].includes(`traffic streamed ${i}`)) reconnected++;
      again.destroy();
      await sleep(300);
    }
    await h.dispose();
    const base = median(without);
    const open = median(withStream);
    record({
      group: 'Load and faults',
      test: 'Save → serving through the proxy with an event stream (SSE) open, against without, same run',
      figure: `median ${Math.round(open)} ms with the stream open, ${Math.round(base)} ms without (${N} reloads each); the old stream closed after ${closedAfter}/${N} reloads, a new one reached the new server ${reconnected}/${N} times`,
    });
    assert.ok(
      open < 1.5 * base + 300,
      `with an open stream ${Math.round(open)} ms against ${Math.round(base)} ms without: ${withStream.map(Math.round)} vs ${without.map(Math.round)}`,
    );
    assert.equal(closedAfter, N, 'the old server’s stream ends with it, so EventSource reconnects');
    assert.equal(reconnected, N);
  });

  it('an open long-poll (a GET not answered yet) does not slow a reload, and is answered by the new server', async function () {
    if (process.platform === 'win32') this.skip();
    const proxyPort = await freePort();
    const countersDir = path.join(copyFixture('traffic'), 'counters');
    fs.mkdirSync(countersDir);
    const h = await harness('traffic', { proxyPort, env: { TRAFFIC_DIR: countersDir } });
    h.engine.start();
    await waitState(h, 'running', 90_000, 0);
    const N = 3;
    const without: number[] = [];
    const withPoll: number[] = [];
    const answers: string[] = [];
    for (let i = 1; i <= N; i++) {
      without.push(await saveToServing(h, proxyPort, `traffic plain ${i}`));
      await sleep(300);
      // A poll that the app answers after 8 s (well after any build), open for 1.2 s when the save comes, as a tab keeps one.
      const poll = send(proxyPort, { path: `/count?name=poll${i}&ms=8000` });
      await sleep(1200);
      withPoll.push(await saveToServing(h, proxyPort, `traffic polled ${i}`));
      const r = await poll;
      answers.push(`${r.status} ${r.text}`);
      assert.equal(r.status, 200, r.text);
      assert.match(r.text, new RegExp(`^counted 2 by traffic polled ${i} `), 'the poll cut by the reload went to the new server');
      await sleep(300);
    }
    await h.dispose();
    const base = median(without);
    const open = median(withPoll);
    record({
      group: 'Load and faults',
      test: 'Save → serving through the proxy with a long-poll GET open, against without, same run',
      figure: `median ${Math.round(open)} ms with the poll open, ${Math.round(base)} ms without (${N} reloads each); every poll cut by the reload was answered by the new server (${answers.filter((a) => a.startsWith('200')).length}/${N})`,
    });
    assert.ok(
      open < 1.5 * base + 300,
      `with an open poll ${Math.round(open)} ms against ${Math.round(base)} ms without: ${withPoll.map(Math.round)} vs ${without.map(Math.round)}`,
    );
  });

  it('drain waits for answers expected to end (a POST, a young GET), not for an event stream or a body streaming past the bound', async function () {
    if (process.platform === 'win32') this.skip();
    const { s, proxy } = await behindProxy();
    const port = await freePort();
    await s.start(port);
    const timed = async (setup: () => Promise<unknown>): Promise<number> => {
      proxy.setUpstream({ kind: 'up', port });
      await setup();
      const t0 = performance.now();
      await proxy.drain(2000);
      return performance.now() - t0;
    };
    const streams: { destroy: () => void }[] = [];
    // An event stream: not waited for at all.
    const sse = await timed(async () => streams.push(await openStream(proxy.port)));
    // A page flushing for 6 s, 100 ms into its body: waited for until it has streamed STREAM_MS (500 ms).
    const page = await timed(async () => {
      const req = http.get({ host: '127.0.0.1', port: proxy.port, path: '/page?every=300&n=20', agent: false });
      streams.push(req);
      await new Promise((r) => req.on('response', r));
      await sleep(100);
    });
    // A POST whose handler takes 800 ms: waited for until it ends.
    let postReply: Promise<Reply> | undefined;
    const post = await timed(async () => {
      postReply = send(proxy.port, { method: 'POST', path: '/count?name=drainpost&ms=800' });
      await waitUntil('the POST running', () => counter(s.counters, 'drainpost') === 1, 5000);
    });
    const pr = await postReply;
    // An unanswered GET (a long-poll) already 1.2 s old: resendable, so not waited for.
    const poll = await timed(async () => {
      void send(proxy.port, { path: '/count?name=drainpoll&ms=5000' }).catch(() => undefined);
      await sleep(1200);
    });
    // The same GET only 200 ms old: it may be an ordinary slow answer, so waited for until it is LONG_POLL_MS (1 s) old.
    const young = await timed(async () => {
      void send(proxy.port, { path: '/count?name=drainyoung&ms=5000' }).catch(() => undefined);
      await sleep(200);
    });
    for (const st of streams) st.destroy();
    record({
      group: 'Load and faults',
      test: 'What the drain before a stop waits for (2 s timeout), against the real app',
      figure: `event stream ${Math.round(sse)} ms, page streaming for 6 s ${Math.round(page)} ms, 800 ms POST ${Math.round(post)} ms, 1.2 s-old long-poll GET ${Math.round(poll)} ms, 0.2 s-old GET ${Math.round(young)} ms`,
    });
    assert.ok(sse < 100, `the drain waited ${sse} ms for an event stream`);
    assert.ok(page > 300 && page < 700, `the drain waited ${page} ms for a page streaming for 6 s (bound: 500 ms of streaming)`);
    assert.ok(post > 500 && post < 1500, `the drain waited ${post} ms for an 800 ms POST`);
    assert.equal(pr?.status, 200, 'the POST was answered by the server it ran on');
    assert.ok(poll < 100, `the drain waited ${poll} ms for a long-poll`);
    assert.ok(young > 600 && young < 1100, `the drain waited ${young} ms for a GET 200 ms old`);
  });

  it('a page that flushes as it renders reaches the client as flushed, with the script before </body>; fragments, downloads and no-transform pass byte for byte', async function () {
    if (process.platform === 'win32') this.skip();
    const { s, proxy } = await behindProxy(true);
    const port = await freePort();
    await s.start(port);
    proxy.setUpstream({ kind: 'up', port });
    const html = { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
    const page = '/page?every=300&n=5';
    const direct = await send(port, { path: page, headers: html });
    const via = await send(proxy.port, { path: page, headers: html });
    const cut = direct.text.indexOf('</body>');
    assert.equal(via.text, direct.text.slice(0, cut) + LIVE_SCRIPT_TAG + direct.text.slice(cut), 'the page, with the script before </body>');
    assert.equal(via.headers['content-length'], undefined);
    assert.equal(via.headers['transfer-encoding'], 'chunked');
    assert.ok(via.firstByteMs !== undefined && via.firstByteMs < 200, `first byte after ${via.firstByteMs} ms (direct ${direct.firstByteMs} ms)`);
    // Chunks keep their rhythm: the third flush (600 ms in) is not held until the end (1500 ms).
    const seenChunk2 = await firstArrival(proxy.port, page, '<p>chunk 2</p>');
    assert.ok(seenChunk2 < 1200, `"chunk 2" (flushed at 600 ms) arrived after ${Math.round(seenChunk2)} ms`);

    const doc = await send(proxy.port, { path: '/doc', headers: html });
    assert.match(doc.text, new RegExp(`<h1>doc</h1>${LIVE_SCRIPT_TAG.replace(/[/.]/g, '\\$&')}</body>`));
    const head = await send(proxy.port, { method: 'HEAD', path: '/doc', headers: html });
    const headDirect = await send(port, { method: 'HEAD', path: '/doc', headers: html });
    assert.equal(head.body.length, 0);
    assert.equal(head.headers['content-length'], headDirect.headers['content-length'], 'HEAD: the length the app said');

    const untouched: string[] = [];
    for (const p of ['/fragment', '/attachment', '/notransform']) {
      const a = await send(port, { path: p, headers: { ...html, 'HX-Request': 'true' } });
      const b = await send(proxy.port, { path: p, headers: { ...html, 'HX-Request': 'true' } });
      assert.ok(b.body.equals(a.body), `${p}: ${JSON.stringify(b.text)} vs ${JSON.stringify(a.text)}`);
      untouched.push(p);
    }
    record({
      group: 'Load and faults',
      test: 'A page flushed in 6 chunks over 1.5 s through the proxy with live reload: first byte, and what is left untouched',
      figure: `first byte after ${via.firstByteMs?.toFixed(1)} ms (direct ${direct.firstByteMs?.toFixed(1)} ms), "chunk 2" (flushed at 600 ms) after ${Math.round(seenChunk2)} ms, script before </body>; ${untouched.join(', ')} byte-identical`,
    });
  });
});

/** ms from sending a GET until `text` has arrived in the body. */
function firstArrival(port: number, urlPath: string, text: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let got = '';
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent: false, headers: { Accept: 'text/html' } }, (res) => {
      res.setEncoding('latin1');
      res.on('data', (c: string) => {
        got += c;
        if (got.includes(text)) {
          resolve(performance.now() - t0);
          req.destroy();
        }
      });
      res.on('end', () => reject(new Error(`${text} never arrived: ${got}`)));
    });
    req.on('error', (e) => (got.includes(text) ? undefined : reject(e)));
  });
}
