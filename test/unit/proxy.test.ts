import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';
import * as zlib from 'node:zlib';
import { once } from 'node:events';
import { ReloadProxy, type ProxyOptions } from '../../src/core/proxy/proxy';
import * as vm from 'node:vm';
import { LIVE_SCRIPT_JS, LIVE_SCRIPT_TAG } from '../../src/core/proxy/liveReload';
import { freePort } from '../../src/core/run/ports';
import type { BuildProblem } from '../../src/core/build/problem';
import { waitUntil } from '../support/helpers';

/** The reload proxy over real sockets: Node http servers stand in for the Go app. */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Everything a test opens is closed after it, so the leak check passes and mocha exits by itself.
const proxies: ReloadProxy[] = [];
const servers: http.Server[] = [];
const sockets: net.Socket[] = [];
const agents: http.Agent[] = [];

async function proxy(o: Partial<ProxyOptions> = {}): Promise<ReloadProxy> {
  const p = await ReloadProxy.listen({ listenPort: 0, holdMs: 10_000, liveReload: false, ...o });
  proxies.push(p);
  return p;
}

/** An upstream on a free port (or `port`), like a freshly started Go server. */
async function upstream(handler: http.RequestListener, port?: number): Promise<{ server: http.Server; port: number }> {
  const p = port ?? (await freePort());
  const server = http.createServer(handler);
  servers.push(server);
  server.listen(p, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: p };
}

function closeServer(server: http.Server): Promise<void> {
  const i = servers.indexOf(server);
  if (i !== -1) servers.splice(i, 1);
  if (!server.listening) return Promise.resolve();
  const closed = new Promise<void>((r) => server.close(() => r()));
  server.closeAllConnections();
  return closed;
}

interface Reply {
  status: number;
  statusMessage: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

interface RequestOptions {
  path?: string;
  method?: string;
  headers?: http.OutgoingHttpHeaders;
  body?: string | Buffer;
  agent?: http.Agent | false;
}

function request(port: number, o: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: o.path ?? '/', method: o.method ?? 'GET', headers: o.headers, agent: o.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? '', headers: res.headers, body, text: body.toString('utf8') });
        });
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(o.body);
  });
}

const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

describe('proxy', function () {
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    for (const a of agents.splice(0)) a.destroy();
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    await Promise.all([...servers].map(closeServer));
  });

  describe('forwarding', () => {
    it('keeps method, path, headers and status, adds X-Forwarded-*', async () => {
      const up = await upstream((req, res) => {
        res.writeHead(201, 'Made Here', ['Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'X-Up', 'yes', 'Content-Type', 'application/json']);
        res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers }));
      });
      const p = await proxy();
      p.setUpstream({ kind: 'up', port: up.port });
      const r = await request(p.port, {
        method: 'PATCH',
        path: '/echo?q=1&r=%20',
        headers: { 'X-Custom': 'v1', 'Content-Type': 'text/plain' },
        body: 'patch-body',
      });
      assert.equal(r.status, 201);
      assert.equal(r.statusMessage, 'Made Here');
      assert.deepEqual(r.headers['set-cookie'], ['a=1', 'b=2'], 'repeated response headers stay separate');
      assert.equal(r.headers['x-up'], 'yes');
      const seen = JSON.parse(r.text) as { method: string; url: string; headers: http.IncomingHttpHeaders };
      assert.equal(seen.method, 'PATCH');
      assert.equal(seen.url, '/echo?q=1&r=%20');
      assert.equal(seen.headers['x-custom'], 'v1');
      assert.equal(seen.headers['content-length'], '10');
      assert.equal(seen.headers.host, `127.0.0.1:${p.port}`, 'the Host the user typed reaches the app');
      assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
      assert.equal(seen.headers['x-forwarded-proto'], 'http');
      assert.equal(seen.headers['x-forwarded-host'], `127.0.0.1:${p.port}`);
      assert.deepEqual(p.stats(), { forwarded: 1, held: 0, maxHoldMs: 0, proxyErrors: 0 });
    });

    it('streams a 20 MB upload and a 20 MB download', async () => {
      const block = crypto.randomBytes(1 << 20);
      const whole = Buffer.concat(Array.from({ length: 20 }, () => block));
      let received = 0;
      const up = await upstream((req, res) => {
        if (req.url === '/upload') {
          const h = crypto.createHash('sha256');
          req.on('data', (c: Buffer) => {
            received += c.length;
            h.update(c);
          });
          req.on('end', () => res.end(JSON.stringify({ bytes: received, sha: h.digest('hex') })));
          return;
        }
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': whole.length });
        res.end(whole);
      });
      const p = await proxy();
      p.setUpstream({ kind: 'up', port: up.port });

      // Upload: half, then wait until the app has bytes before sending the rest. A proxy that
      // buffered the whole body before forwarding would never let the app see the first half.
      const reply = new Promise<Reply>((resolve, reject) => {
        const req = http.request(
          { host: '127.0.0.1', port: p.port, path: '/upload', method: 'PUT', agent: false, headers: { 'Content-Length': whole.length } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                statusMessage: '',
                headers: res.headers,
                body: Buffer.concat(chunks),
                text: Buffer.concat(chunks).toString(),
              }),
            );
          },
        );
        req.on('error', reject);
        void (async () => {
          for (let i = 0; i < 20; i++) {
            if (i === 10) await waitUntil('the app receives the first half of the upload while it is still being sent', () => received > 0, 10_000);
            if (!req.write(block)) await once(req, 'drain');
          }
          req.end();
        })().catch(reject);
      });
      const r = await reply;
      assert.equal(r.status, 200);
      assert.deepEqual(JSON.parse(r.text), { bytes: whole.length, sha: sha(whole) });

      const d = await request(p.port, { path: '/download' });
      assert.equal(d.status, 200);
      assert.equal(d.headers['content-length'], String(whole.length));
      assert.equal(d.body.length, whole.length);
      assert.equal(sha(d.body), sha(whole));
    });

    it('passes a chunked response on piece by piece', async () => {
      let firstSeen!: () => void;
      const seen = new Promise<void>((r) => (firstSeen = r));
      let upstreamEndedAt = 0;
      const up = await upstream((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('first\n');
        // The rest only comes once the client has the first piece (or after 3 s, then the test fails).
        void Promise.race([seen, sleep(3000)]).then(() => {
          upstreamEndedAt = Date.now();
          res.end('second\n');
        });
      });
      const p = await proxy({ liveReload: true });
      p.setUpstream({ kind: 'up', port: up.port });
      const got = await new Promise<{ firstAt: number; body: string; te?: string }>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: p.port, path: '/stream', agent: false }, (res) => {
            let body = '';
            let firstAt = 0;
            res.setEncoding('utf8');
            res.on('data', (c: string) => {
              if (!firstAt) {
                firstAt = Date.now();
                firstSeen();
              }
              body += c;
            });
            res.on('end', () => resolve({ firstAt, body, te: res.headers['transfer-encoding'] }));
          })
          .on('error', reject);
      });
      assert.equal(got.body, 'first\nsecond\n');
      assert.equal(got.te, 'chunked');
      assert.ok(got.firstAt > 0 && got.firstAt <= upstreamEndedAt, 'the first chunk arrived before the app ended the response');
    });
  });

  /**
   * A steady stream of GETs and POSTs from several clients while the app restarts `restarts`
   * times the way the engine does it: drain, stop the old server, starting, new server, up.
   */
  async function restartsUnderLoad(restarts: number, samePort: boolean) {
    const p = await proxy({ holdMs: 10_000 });
    const fixedPort = samePort ? await freePort() : undefined;
    const start = async (gen: number) =>
      upstream((req, res) => {
        if (req.method === 'POST') {
          let body = '';
          req.setEncoding('utf8');
          req.on('data', (c: string) => (body += c));
          req.on('end', () => res.end(`gen ${gen} ${body}`));
          return;
        }
        res.end(`gen ${gen}`);
      }, fixedPort);
    let cur = await start(0);
    p.setUpstream({ kind: 'up', port: cur.port });

    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    agents.push(agent);
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const gens = new Set<string>();
    const client = async (id: number) => {
      for (let k = 0; !stop; k++) {
        const post = k % 3 === 0;
        const body = `c${id}-${k}`;
        try {
          const r = await request(p.port, { agent, path: `/r/${id}/${k}`, method: post ? 'POST' : 'GET', body: post ? body : undefined });
          const m = /^gen (\d+)( .*)?$/.exec(r.text);
          if (r.status !== 200 || !m || (post && m[2] !== ` ${body}`)) failures.push(`${r.status} ${r.text.slice(0, 200)}`);
          else {
            ok++;
            gens.add(m[1]);
          }
        } catch (e) {
          failures.push(String(e));
        }
      }
    };
    const clients = Array.from({ length: 6 }, (_, i) => client(i));

    const t0 = Date.now();
    for (let gen = 1; gen <= restarts; gen++) {
      await p.drain(2000);
      await closeServer(cur.server);
      p.setUpstream({ kind: 'starting' });
      await sleep(2 + (gen % 5));
      cur = await start(gen);
      p.setUpstream({ kind: 'up', port: cur.port });
      await sleep(5); // some requests reach each generation
    }
    stop = true;
    await Promise.all(clients);
    const s = p.stats();
    console.log(
      `      ${restarts} restarts in ${Date.now() - t0} ms: ${ok} requests answered by ${gens.size} server generations, ${failures.length} failed; stats ${JSON.stringify(s)}`,
    );
    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} failed requests`);
    assert.ok(ok > restarts * 3, `a steady stream (${ok} requests)`);
    assert.ok(gens.size > restarts * 0.8, `requests reached most server generations (${gens.size})`);
    assert.ok(s.held > 0, 'requests waited during restarts');
    assert.equal(s.proxyErrors, 0);
    assert.equal(s.forwarded, ok);
  }

  it('loses no request across 100 restarts under a steady request stream', async function () {
    this.timeout(120_000);
    await restartsUnderLoad(100, false);
  });

  it('loses no request across 30 restarts on the same port (never reuses a socket to the old server)', async function () {
    this.timeout(60_000);
    await restartsUnderLoad(30, true);
  });

  describe('holding', () => {
    it('answers a request that arrived while starting once the server is up', async () => {
      const p = await proxy();
      const t0 = Date.now();
      const pending = request(p.port, { path: '/held' });
      await sleep(300);
      const up = await upstream((_req, res) => res.end('hello'));
      p.setUpstream({ kind: 'up', port: up.port });
      const r = await pending;
      assert.equal(r.status, 200);
      assert.equal(r.text, 'hello');
      assert.ok(Date.now() - t0 >= 290);
      const s = p.stats();
      assert.equal(s.held, 1);
      assert.ok(s.maxHoldMs >= 290, `maxHoldMs ${s.maxHoldMs}`);
    });

    it('retries a refused connect while up until the server listens', async () => {
      const port = await freePort();
      const p = await proxy();
      p.setUpstream({ kind: 'up', port });
      const pending = request(p.port, { method: 'POST', body: 'payload' });
      await sleep(200);
      await upstream((req, res) => {
        let b = '';
        req.on('data', (c) => (b += c));
        req.on('end', () => res.end(`got ${b}`));
      }, port);
      const r = await pending;
      assert.equal(r.status, 200);
      assert.equal(r.text, 'got payload', 'the body waited for a connection and went whole');
    });

    it('answers 503 when nothing becomes ready within holdMs', async () => {
      const p = await proxy({ holdMs: 300, liveReload: true });
      const t0 = Date.now();
      const [text, html] = await Promise.all([request(p.port), request(p.port, { headers: { Accept: 'text/html,application/xhtml+xml' } })]);
      const waited = Date.now() - t0;
      assert.ok(waited >= 290 && waited < 2000, `waited ${waited} ms`);
      assert.equal(text.status, 503);
      assert.match(String(text.headers['content-type']), /^text\/plain/);
      assert.match(text.text, /did not become ready within 0\.3 s/);
      assert.equal(html.status, 503);
      assert.match(String(html.headers['content-type']), /^text\/html/);
      assert.match(html.text, /did not become ready within 0\.3 s/);
      assert.ok(html.text.includes(LIVE_SCRIPT_TAG), 'the page reloads itself once the server is up');
      assert.equal(p.stats().proxyErrors, 2);
    });
  });

  describe('drain and retries', () => {
    it('drain waits for requests in flight and holds new ones until the next server is up', async () => {
      const slow = await upstream((_req, res) => setTimeout(() => res.end('old'), 300));
      const p = await proxy();
      p.setUpstream({ kind: 'up', port: slow.port });
      const inFlight = request(p.port, { path: '/slow' });
      await sleep(50);
      const t0 = Date.now();
      await p.drain(2000);
      assert.ok(Date.now() - t0 >= 200, 'drain waited for the slow answer');
      assert.equal((await inFlight).text, 'old');

      const during = request(p.port, { path: '/new' });
      await sleep(100);
      await closeServer(slow.server);
      p.setUpstream({ kind: 'starting' });
      const next = await upstream((_req, res) => res.end('new'));
      p.setUpstream({ kind: 'up', port: next.port });
      assert.equal((await during).text, 'new', 'a request made while draining went to the new server');

      // A request the old server never answers: drain gives up after its timeout, and once the
      // old server is gone (connection reset, no answer byte) the GET goes to the next server.
      const hang = await upstream(() => undefined);
      p.setUpstream({ kind: 'up', port: hang.port });
      const stuck = request(p.port, { path: '/hang' });
      await sleep(50);
      const t1 = Date.now();
      await p.drain(200);
      const took = Date.now() - t1;
      assert.ok(took >= 190 && took < 1000, `drain timed out after ${took} ms`);
      await closeServer(hang.server);
      p.setUpstream({ kind: 'starting' });
      const last = await upstream((_req, res) => res.end('retried'));
      p.setUpstream({ kind: 'up', port: last.port });
      assert.equal((await stuck).text, 'retried');
    });

    it('resends nothing the app dropped on its own (not stopped for a reload): a GET and a POST each reach it once', async () => {
      let calls = 0;
      const up = await upstream((req, res) => {
        calls++;
        req.resume();
        req.on('end', () => {
          // The first request of each kind is dropped without an answer, as a handler that kills
          // the connection (or the process) does: resending it would only do that again.
          if ((req.url === '/get' && calls === 1) || req.url === '/post') req.socket.destroy();
          else res.end(`answered ${req.method}`);
        });
      });
      const p = await proxy();
      p.setUpstream({ kind: 'up', port: up.port });
      const g = await request(p.port, { path: '/get' });
      assert.equal(g.status, 502);
      assert.match(g.text, /on its own \(not stopped for a reload\)/);
      assert.equal(calls, 1, 'the GET reached the app once');

      const post = await request(p.port, { path: '/post', method: 'POST', body: 'x'.repeat(1000) });
      assert.equal(post.status, 502);
      assert.equal(post.headers['x-gopher-reload'], 'upstream-error');
      assert.match(post.text, /POST request body \(1000 bytes\) was sent/);
      assert.match(post.text, /was not sent again/);
      assert.equal(calls, 2, 'the POST reached the app once');
      assert.equal(p.stats().proxyErrors, 2);
    });

    it('close ends held requests, event streams and tunnels, and leaves no handle behind', async () => {
      const before = process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;
      const up = await upstream((_req, res) => res.end('x'));
      up.server.on('upgrade', (_req: http.IncomingMessage, sock: net.Socket) => {
        sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
        sock.pipe(sock);
      });
      const p = await ReloadProxy.listen({ listenPort: 0, holdMs: 10_000, liveReload: true });
      p.setUpstream({ kind: 'up', port: up.port });

      const tunnel = net.connect(p.port, '127.0.0.1');
      tunnel.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      await once(tunnel, 'data');
      const events = await new Promise<http.IncomingMessage>((resolve) =>
        http.get({ host: '127.0.0.1', port: p.port, path: '/__gopher_reload/events', agent: false }, resolve),
      );
      events.resume();
      await request(p.port); // a keep-alive agent socket to the app
      await p.drain(1000);
      const held = request(p.port, { path: '/held' }).then(
        (r) => r.status,
        (e: Error) => e.message,
      );
      await sleep(50);

      const ended = [once(tunnel, 'close'), once(events, 'close'), held];
      await p.close();
      await Promise.all(ended);
      await closeServer(up.server);
      await sleep(20);
      const after = process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;
      assert.equal(after, before, `TCP handles left: ${process.getActiveResourcesInfo().join(', ')}`);
    });
  });

  describe('failed build and stopped server', () => {
    const problems: BuildProblem[] = [
      { file: '/work/app/main.go', line: 12, column: 5, message: 'undefined: <script>alert(1)</script>', severity: 'error' },
      { file: '/work/app/my handlers/h.go', line: 3, message: 'missing return', severity: 'error' },
    ];
    const output = '# app\n./main.go:12:5: undefined: <script>alert(1)</script>\n';

    it('shows an error page to browsers and text to API clients', async () => {
      const p = await proxy({ liveReload: true });
      p.setUpstream({ kind: 'failed', problems, output });
      const html = await request(p.port, { headers: { Accept: 'text/html,*/*;q=0.8' } });
      assert.equal(html.status, 502);
      assert.equal(html.headers['x-gopher-reload'], 'build-failed');
      assert.match(String(html.headers['content-type']), /^text\/html/);
      assert.ok(!html.text.includes('<script>alert(1)'), 'the message is escaped');
      assert.ok(html.text.includes('/work/app/main.go:12:5</a> undefined: &lt;script&gt;alert(1)&lt;/script&gt;'), html.text);
      assert.ok(html.text.includes('href="vscode://file/work/app/main.go:12:5"'), 'links to the position in VS Code');
      assert.ok(html.text.includes('href="vscode://file/work/app/my%20handlers/h.go:3"'));
      assert.match(html.text, /<pre># app\n\.\/main\.go:12:5: undefined: &lt;script&gt;/);
      assert.ok(html.text.includes(LIVE_SCRIPT_TAG));

      const json = await request(p.port, { headers: { Accept: 'application/json' } });
      assert.equal(json.status, 502);
      assert.equal(json.headers['x-gopher-reload'], 'build-failed');
      assert.match(String(json.headers['content-type']), /^text\/plain/);
      assert.ok(json.text.includes('/work/app/main.go:12:5 undefined: <script>alert(1)</script>'), json.text);
      assert.ok(json.text.includes('/work/app/my handlers/h.go:3 missing return'));
    });

    it('answers held requests when the build fails or the server goes down', async () => {
      const p = await proxy();
      const a = request(p.port, { path: '/a' });
      await sleep(100);
      p.setUpstream({ kind: 'failed', problems, output });
      const ra = await a;
      assert.equal(ra.status, 502);
      assert.match(ra.text, /main\.go:12:5/);

      p.setUpstream({ kind: 'starting' });
      const b = request(p.port, { path: '/b' });
      await sleep(100);
      p.setUpstream({ kind: 'down', title: 'The server crashed (exit code 2)', detail: 'panic: boom' });
      const rb = await b;
      assert.equal(rb.status, 503);
      assert.equal(rb.headers['x-gopher-reload'], 'server-down');
      assert.match(rb.text, /crashed \(exit code 2\)\npanic: boom/);
      assert.equal(p.stats().held, 2);
    });

    it('while the old server serves: API calls, assets and fetches go to it; navigations get the errors', async () => {
      const up = await upstream((req, res) => {
        res.writeHead(200, { 'Content-Type': req.url === '/api' ? 'application/json' : 'text/plain' });
        res.end(req.url === '/api' ? '{"ok":true}' : `old ${req.method} ${req.url}`);
      });
      const p = await proxy({ liveReload: true });
      p.setUpstream({ kind: 'up', port: up.port });
      p.setUpstream({ kind: 'failed', problems, output, serving: up.port });
      const api = await request(p.port, { path: '/api', headers: { Accept: 'application/json', 'Sec-Fetch-Mode': 'cors' } });
      assert.equal(api.status, 200);
      assert.equal(api.text, '{"ok":true}');
      const asset = await request(p.port, { path: '/app.css', headers: { Accept: 'text/css,*/*;q=0.1', 'Sec-Fetch-Mode': 'no-cors' } });
      assert.equal(asset.text, 'old GET /app.css');
      // htmx and friends fetch HTML: not a navigation (Sec-Fetch-Mode says so), so the app answers.
      const htmx = await request(p.port, { path: '/rows', headers: { Accept: 'text/html', 'Sec-Fetch-Mode': 'cors' } });
      assert.equal(htmx.text, 'old GET /rows');
      const post = await request(p.port, { path: '/form', method: 'POST', headers: { Accept: 'text/html', 'Sec-Fetch-Mode': 'navigate' }, body: 'a=1' });
      assert.equal(post.text, 'old POST /form', 'a form POST is not lost: the old server gets it');

      const nav = await request(p.port, { path: '/', headers: { Accept: 'text/html', 'Sec-Fetch-Mode': 'navigate' } });
      assert.equal(nav.status, 502);
      assert.equal(nav.headers['x-gopher-reload'], 'build-failed');
      assert.match(nav.text, /main\.go:12:5/);
      const curlHtml = await request(p.port, { path: '/', headers: { Accept: 'text/html' } });
      assert.equal(curlHtml.status, 502, 'a GET accepting HTML without Sec-Fetch-Mode is a navigation');

      // No server left: everything gets the errors again.
      p.setUpstream({ kind: 'failed', problems, output });
      const gone = await request(p.port, { path: '/api', headers: { Accept: 'application/json' } });
      assert.equal(gone.status, 502);
      assert.match(gone.text, /the last build failed\.\n\/work\/app\/main\.go:12:5 undefined/);
    });

    it('a request during the drain before the next server waits for it, even while failed', async () => {
      const old = await upstream((_req, res) => res.end('old'));
      const p = await proxy();
      p.setUpstream({ kind: 'up', port: old.port });
      p.setUpstream({ kind: 'failed', problems, output, serving: old.port });
      await p.drain(1000);
      const r = request(p.port, { path: '/api' });
      await sleep(100);
      const next = await upstream((_req, res) => res.end('new'));
      p.setUpstream({ kind: 'up', port: next.port });
      assert.equal((await r).text, 'new');
    });

    it('open pages get the errors as an overlay event (and no reload) while the old server serves', async () => {
      const up = await upstream((_req, res) => res.end('old'));
      const p = await proxy({ liveReload: true });
      p.setUpstream({ kind: 'up', port: up.port });
      const events = (): Promise<{ read: () => string; req: http.ClientRequest }> =>
        new Promise((resolve, reject) => {
          let got = '';
          const req = http.get({ host: '127.0.0.1', port: p.port, path: '/__gopher_reload/events', agent: false }, (res) => {
            res.setEncoding('utf8');
            res.on('data', (c: string) => (got += c));
            resolve({ read: () => got, req });
          });
          req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
        });
      const open = await events();
      await waitUntil('stream open', () => open.read().includes(': connected'), 5000);
      p.setUpstream({ kind: 'failed', problems, output, serving: up.port });
      p.reload(); // what proxyLink does on build-failed: the overlay replaces it
      await waitUntil('build-failed event', () => open.read().includes('event: build-failed'), 5000);
      const data = JSON.parse(/event: build-failed\ndata: (.*)\n\n/.exec(open.read())![1]) as { problems: { location: string; message: string }[] };
      assert.deepEqual(data.problems[0], { location: '/work/app/main.go:12:5', message: 'undefined: <script>alert(1)</script>' });
      await sleep(100);
      assert.ok(!open.read().includes('event: reload'), 'pages keep their state: no reload while the old server serves');

      const late = await events();
      await waitUntil('a page opened later gets the failure on connect', () => late.read().includes('event: build-failed'), 5000);

      p.setUpstream({ kind: 'up', port: up.port });
      p.reload();
      await waitUntil('reload after the good build', () => open.read().includes('event: reload'), 5000);
      const fresh = await events();
      await waitUntil('stream open', () => fresh.read().includes(': connected'), 5000);
      await sleep(50);
      assert.ok(!fresh.read().includes('build-failed'), 'no stale failure after a good build');
      for (const e of [open, late, fresh]) e.req.destroy();

      // The overlay puts text in with textContent only: no markup from build output can run.
      const js = await request(p.port, { path: '/__gopher_reload/live.js' });
      assert.match(js.text, /addEventListener\('build-failed'/);
      assert.ok(!/innerHTML|insertAdjacentHTML|document\.write/.test(js.text), 'no HTML parsing of build output');
    });

    it('the error page and live.js carry a strict CSP; a file name with <script> is escaped', async () => {
      const p = await proxy({ liveReload: true });
      const hostile: BuildProblem[] = [
        { file: '/work/app/<script>alert(1)</script>.go', line: 1, column: 2, message: 'x" onmouseover="alert(2)', severity: 'error' },
      ];
      p.setUpstream({ kind: 'failed', problems: hostile, output: '/work/app/<script>alert(1)</script>.go:1:2: <img src=x onerror=alert(3)>\n' });
      const page = await request(p.port, { headers: { Accept: 'text/html' } });
      assert.equal(page.status, 502);
      const csp = String(page.headers['content-security-policy']);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /frame-ancestors 'none'/);
      // The one style block is allowed by its hash, so the page is styled under its own CSP.
      const style = /<style>([\s\S]*?)<\/style>/.exec(page.text)![1];
      assert.ok(csp.includes(`'sha256-${crypto.createHash('sha256').update(style).digest('base64')}'`), csp);
      assert.equal(page.headers['x-content-type-options'], 'nosniff');
      assert.deepEqual(page.text.match(/<script[^>]*>/g), [LIVE_SCRIPT_TAG.replace('</script>', '')], 'no script but live.js');
      assert.ok(!page.text.includes('<img'), 'no markup from the output');
      assert.ok(page.text.includes('/work/app/&lt;script&gt;alert(1)&lt;/script&gt;.go:1:2</a> x&quot; onmouseover=&quot;alert(2)'), page.text);
      assert.ok(page.text.includes('href="vscode://file/work/app/%3Cscript%3Ealert(1)%3C/script%3E.go:1:2"'), page.text);

      const js = await request(p.port, { path: '/__gopher_reload/live.js' });
      assert.equal(js.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'");
      assert.equal(js.headers['x-content-type-options'], 'nosniff');
      const text = await request(p.port, { headers: { Accept: 'application/json' } });
      assert.match(String(text.headers['content-security-policy']), /default-src 'none'/);
    });
  });

  describe('live reload', () => {
    /**
     * live.js run in a VM against a minimal DOM (in addition to the real-socket tests: no browser
     * here). Elements refuse innerHTML, so markup from build output could only get in as text.
     */
    function runLiveScript(ourPage: boolean) {
      class El {
        children: El[] = [];
        style: Record<string, string> = {};
        attrs: Record<string, string> = {};
        textContent = '';
        parent?: El;
        onclick?: () => void;
        constructor(readonly tag: string) {}
        appendChild(c: El) {
          c.parent = this;
          this.children.push(c);
          return c;
        }
        setAttribute(k: string, v: string) {
          this.attrs[k] = v;
        }
        hasAttribute(k: string) {
          return k in this.attrs;
        }
        remove() {
          if (this.parent) this.parent.children = this.parent.children.filter((x) => x !== this);
        }
        set innerHTML(_v: string) {
          throw new Error('innerHTML used');
        }
        text(): string {
          return [this.textContent, ...this.children.map((c) => c.text())].join('\n');
        }
      }
      const listeners: Record<string, (e: { data: string }) => void> = {};
      let reloads = 0;
      const html = new El('html');
      if (ourPage) html.setAttribute('data-gopher-reload-page', '');
      const body = new El('body');
      vm.runInNewContext(LIVE_SCRIPT_JS, {
        window: {},
        document: { documentElement: html, body, createElement: (t: string) => new El(t) },
        location: { reload: () => reloads++ },
        EventSource: class {
          constructor(readonly url: string) {}
          addEventListener(name: string, f: (e: { data: string }) => void) {
            listeners[name] = f;
          }
        },
      });
      return { listeners, body, reloads: () => reloads };
    }

    it('live.js lays a failed build over the page as text, replaces it on the next failure, and reloads on our own pages', () => {
      const page = runLiveScript(false);
      const fail = (problems: { location: string; message: string }[], output = '') =>
        page.listeners['build-failed']({ data: JSON.stringify({ problems, output }) });
      fail([{ location: '/app/<b>x</b>.go:1:2', message: 'undefined: <img src=x onerror=alert(1)>' }]);
      assert.equal(page.body.children.length, 1);
      const overlay = page.body.children[0];
      assert.ok(overlay.hasAttribute('data-gopher-reload-overlay'));
      assert.equal(overlay.style.position, 'fixed');
      assert.ok(overlay.text().includes('/app/<b>x</b>.go:1:2 undefined: <img src=x onerror=alert(1)>'), overlay.text());
      assert.ok(overlay.text().includes('Build failed'));
      fail([], '# app\nlinker says no\n');
      assert.equal(page.body.children.length, 1, 'the next failure replaces the overlay');
      assert.ok(page.body.children[0].text().includes('linker says no'));
      const close = page.body.children[0].children[0].children.find((c) => c.tag === 'button')!;
      close.onclick!();
      assert.equal(page.body.children.length, 0, 'the × hides it');
      page.listeners['build-failed']({ data: 'not json' });
      assert.equal(page.body.children.length, 0, 'a broken event is ignored');
      assert.equal(page.reloads(), 0);
      page.listeners.reload({ data: '{}' });
      assert.equal(page.reloads(), 1);

      const ours = runLiveScript(true);
      ours.listeners['build-failed']({ data: JSON.stringify({ problems: [], output: 'x' }) });
      assert.equal(ours.body.children.length, 0, "no overlay on the proxy's own error page");
      assert.equal(ours.reloads(), 1, 'it reloads to list the new errors');
    });

    it('injects the script into HTML and fixes Content-Length; serves the client', async () => {
      const seenEncoding: (string | undefined)[] = [];
      const up = await upstream((req, res) => {
        seenEncoding.push(req.headers['accept-encoding']);
        const html = req.url === '/fragment' ? '<p>no body tag</p>' : '<html><body><h1>Hi</h1></body>\n<!-- </BODY> in a comment --></html>';
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html) });
        res.end(html);
      });
      const p = await proxy({ liveReload: true });
      p.setUpstream({ kind: 'up', port: up.port });
      const r = await request(p.port, { headers: { Accept: 'text/html', 'Accept-Encoding': 'gzip, br' } });
      // Streamed injection (proxyInject.ts): before the first </body> outside a comment.
      assert.equal(r.text, `<html><body><h1>Hi</h1>${LIVE_SCRIPT_TAG}</body>\n<!-- </BODY> in a comment --></html>`);
      assert.ok(
        r.headers['content-length'] === undefined || r.headers['content-length'] === String(r.body.length),
        'no stale Content-Length after the injection',
      );
      assert.equal(seenEncoding[0], undefined, 'HTML requests reach the app without Accept-Encoding');

      const f = await request(p.port, { path: '/fragment', headers: { Accept: 'text/html' } });
      assert.equal(f.text, '<p>no body tag</p>', 'a fragment (htmx, Turbo) is not a page: no script');
      assert.ok(f.headers['content-length'] === undefined || f.headers['content-length'] === String(f.body.length));

      const js = await request(p.port, { path: '/__gopher_reload/live.js' });
      assert.equal(js.status, 200);
      assert.match(String(js.headers['content-type']), /javascript/);
      // The stream opens next to the script (relative: it works behind any forwarding), no origin.
      assert.match(js.text, /var me = document\.currentScript;/);
      assert.match(js.text, /new EventSource\(src \? .* \+ 'events' : "__gopher_reload\/events"\)/);
      assert.match(js.text, /location\.reload\(\)/);
    });

    it('sends `event: reload` to open event streams', async () => {
      const p = await proxy({ liveReload: true });
      const got = await new Promise<string>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port: p.port, path: '/__gopher_reload/events', agent: false }, (res) => {
          assert.equal(res.headers['content-type'], 'text/event-stream');
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            text += c;
            if (text.includes(': connected')) p.reload();
            if (text.includes('event: reload\n')) {
              req.destroy();
              resolve(text);
            }
          });
        });
        req.on('error', reject);
      });
      assert.match(got, /event: reload\ndata: \{\}\n\n/);
    });

    it('passes compressed responses through untouched, HTML or not', async () => {
      const json = zlib.gzipSync(JSON.stringify({ hello: 'world' }));
      const page = zlib.gzipSync('<html><body>gz</body></html>');
      const seen: (string | undefined)[] = [];
      const up = await upstream((req, res) => {
        seen.push(req.headers['accept-encoding']);
        const body = req.url === '/page' ? page : json;
        res.writeHead(200, {
          'Content-Type': req.url === '/page' ? 'text/html' : 'application/json',
          'Content-Encoding': 'gzip',
          'Content-Length': body.length,
        });
        res.end(body);
      });
      const p = await proxy({ liveReload: true });
      p.setUpstream({ kind: 'up', port: up.port });
      const r = await request(p.port, { path: '/api', headers: { Accept: 'application/json', 'Accept-Encoding': 'gzip' } });
      assert.equal(seen[0], 'gzip', 'non-HTML requests keep Accept-Encoding');
      assert.equal(r.headers['content-encoding'], 'gzip');
      assert.ok(r.body.equals(json), 'the same bytes');
      assert.deepEqual(JSON.parse(zlib.gunzipSync(r.body).toString()), { hello: 'world' });

      const h = await request(p.port, { path: '/page', headers: { Accept: 'text/html', 'Accept-Encoding': 'gzip' } });
      assert.ok(h.body.equals(page), 'compressed HTML is not rewritten');
      assert.equal(h.headers['content-length'], String(page.length));
    });
    it('passes HTML over 5 MB through untouched, streamed', async () => {
      const big = Buffer.concat([Buffer.from('<html><body>'), Buffer.alloc(6 << 20, 'a'), Buffer.from('</body></html>')]);
      const up = await upstream((req, res) => {
        // Without Content-Length the proxy only learns the size while buffering: the overflow path.
        res.writeHead(200, req.url === '/sized' ? { 'Content-Type': 'text/html', 'Content-Length': big.length } : { 'Content-Type': 'text/html' });
        for (let i = 0; i < big.length; i += 1 << 20) res.write(big.subarray(i, i + (1 << 20)));
        res.end();
      });
      const p = await proxy({ liveReload: true });
      p.setUpstream({ kind: 'up', port: up.port });
      for (const path of ['/chunked', '/sized']) {
        const r = await request(p.port, { path, headers: { Accept: 'text/html' } });
        assert.equal(r.body.length, big.length, path);
        assert.ok(r.body.equals(big), `${path} untouched`);
      }
    });
  });

  describe('upgrades', () => {
    /** An upstream that answers 101 and echoes every byte, like a trivial websocket server. */
    async function echoUpstream(port?: number) {
      const seen: http.IncomingHttpHeaders[] = [];
      const up = await upstream((_req, res) => res.end('not an upgrade'), port);
      up.server.on('upgrade', (req: http.IncomingMessage, sock: net.Socket, head: Buffer) => {
        seen.push(req.headers);
        sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
        if (head.length) sock.write(head);
        sock.pipe(sock);
      });
      return { ...up, seen };
    }

    /** Writes a raw upgrade request, waits for the 101 head, then checks an echo. */
    async function upgradeAndEcho(port: number, beforeAnswer?: () => Promise<void>): Promise<string> {
      const sock = net.connect(port, '127.0.0.1');
      sockets.push(sock);
      await once(sock, 'connect');
      sock.write('GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n');
      let buf = '';
      sock.setEncoding('latin1');
      const until = (pred: () => boolean) =>
        new Promise<void>((resolve, reject) => {
          if (pred()) return resolve();
          const onData = (c: string) => {
            buf += c;
            if (pred()) {
              sock.off('data', onData);
              resolve();
            }
          };
          sock.on('data', onData);
          sock.once('close', () => reject(new Error(`closed; got ${JSON.stringify(buf)}`)));
        });
      if (beforeAnswer) await beforeAnswer();
      await until(() => buf.includes('\r\n\r\n'));
      const head = buf.slice(0, buf.indexOf('\r\n\r\n'));
      buf = buf.slice(head.length + 4);
      sock.write('ping-1');
      await until(() => buf.includes('ping-1'));
      sock.write('ping-2');
      await until(() => buf.includes('ping-2'));
      sock.destroy();
      return head;
    }

    it('pipes a websocket-style upgrade both ways', async () => {
      const up = await echoUpstream();
      const p = await proxy();
      p.setUpstream({ kind: 'up', port: up.port });
      const head = await upgradeAndEcho(p.port);
      assert.match(head, /^HTTP\/1\.1 101 Switching Protocols/);
      assert.equal(up.seen[0].upgrade, 'websocket');
      assert.equal(up.seen[0].connection, 'Upgrade');
      assert.equal(up.seen[0]['x-forwarded-for'], '127.0.0.1');
    });

    it('holds an upgrade that arrives while the server is starting', async () => {
      const p = await proxy();
      const port = await freePort();
      const head = await upgradeAndEcho(p.port, async () => {
        await sleep(200);
        await echoUpstream(port);
        p.setUpstream({ kind: 'up', port });
      });
      assert.match(head, /^HTTP\/1\.1 101/);
      assert.equal(p.stats().held, 1);
    });
    it('retries an upgrade the app closed without answering', async () => {
      let attempts = 0;
      const up = await upstream((_req, res) => res.end());
      up.server.on('upgrade', (_req: http.IncomingMessage, sock: net.Socket) => {
        if (++attempts === 1) return void sock.end(); // like a server shutting down
        sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
        sock.pipe(sock);
      });
      const p = await proxy();
      p.setUpstream({ kind: 'up', port: up.port });
      const head = await upgradeAndEcho(p.port);
      assert.match(head, /^HTTP\/1\.1 101/);
      assert.equal(attempts, 2);
    });
  });

  it('rejects with EADDRINUSE when the port is taken', async () => {
    const blocker = net.createServer().listen(0);
    await once(blocker, 'listening');
    try {
      const port = (blocker.address() as net.AddressInfo).port;
      await assert.rejects(ReloadProxy.listen({ listenPort: port, holdMs: 1000, liveReload: false }), { code: 'EADDRINUSE' });
      const p = await proxy();
      await assert.rejects(ReloadProxy.listen({ listenPort: p.port, holdMs: 1000, liveReload: false }), { code: 'EADDRINUSE' });
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});
