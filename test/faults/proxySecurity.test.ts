import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { ReloadProxy } from '../../src/core/proxy';
import { harness, waitState, waitUntil } from '../unit/helpers';
import { freePort } from '../../src/core/ports';
import { record } from './record';

/**
 * The proxy as a server facing a browser and hostile pages, with the real Go app (test/fixtures/
 * proxyapi) behind it: header limits like Go's, slowloris connections closed, a failed build
 * that leaves the API working, DNS rebinding refused, the error page's CSP and escaping.
 */

interface Raw {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The socket error, when the connection broke (status 0 if no head came first). */
  error?: string;
}

/**
 * One request over a raw socket (any Host, any header size), read while it is written: a server
 * that refuses a huge head answers before it read it all and closes. Never throws.
 */
function raw(port: number, reqPath: string, headers: Record<string, string>, method = 'GET'): Promise<Raw> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let error: string | undefined;
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    s.on('close', () => resolve(parse(Buffer.concat(chunks).toString('latin1'), error)));
    s.setTimeout(30_000, () => s.destroy(new Error('timeout')));
    let head = `${method} ${reqPath} HTTP/1.1\r\n`;
    for (const [k, v] of Object.entries({ Connection: 'close', ...headers })) head += `${k}: ${v}\r\n`;
    // write, not end: a half-closed request is an aborted one to Node's server. Connection: close
    // makes the server close once it answered.
    s.write(`${head}\r\n`, 'latin1');
  });
}

function parse(text: string, error?: string): Raw {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return { status: 0, headers: {}, body: '', error: error ?? 'no answer' };
  const lines = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  let body = text.slice(end + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    let out = '';
    for (let at = 0; ; ) {
      const nl = body.indexOf('\r\n', at);
      const n = parseInt(body.slice(at, nl), 16);
      if (!(n > 0)) break;
      out += body.slice(nl + 2, nl + 2 + n);
      at = nl + 2 + n + 2;
    }
    body = out;
  }
  return { status: Number(lines[0].split(' ')[1]), headers, body: Buffer.from(body, 'latin1').toString('utf8'), error };
}

const kb = (n: number) => 'c=' + 'x'.repeat(n * 1024 - 2);

describe('faults: the proxy as a server (limits, timeouts, hosts, a failed build)', function () {
  it('a 20 KB cookie passes, a head Go accepts passes, a 2 MB head gets the 431 Go gives', async function () {
    const proxyPort = await freePort();
    const h = await harness('proxyapi', { proxyPort });
    h.engine.start();
    const running = await waitState(h, 'running', 90_000, 0);
    const appPort = running.appPort!;
    const rows: string[] = [];
    for (const size of [20, 1000]) {
      const through = await raw(proxyPort, '/api/cookie', { Host: `localhost:${proxyPort}`, Cookie: kb(size) });
      rows.push(`${size} KB cookie: ${through.status}, app saw ${through.body}`);
      assert.equal(through.status, 200, `${size} KB: ${through.error ?? through.body}`);
      assert.deepEqual(JSON.parse(through.body), { cookieBytes: size * 1024 });
    }
    const huge = { Host: 'localhost', 'X-Big': 'y'.repeat(2 << 20) };
    const direct = await raw(appPort, '/api/cookie', huge);
    const through = await raw(proxyPort, '/api/cookie', huge);
    rows.push(`2 MB header: Go ${direct.status}, proxy ${through.status}`);
    await h.dispose();
    record({ group: 'Security', test: 'Request header limits through the proxy match Go (net/http DefaultMaxHeaderBytes, 1 MB)', figure: rows.join('; ') });
    assert.equal(direct.status, 431, `Go's answer: ${direct.error}`);
    assert.equal(through.status, 431, `the proxy's answer: ${through.error}`);
  });

  it('a 20 KB response header from the app reaches the client (Go sends it)', async function () {
    const proxyPort = await freePort();
    const h = await harness('proxyapi', { proxyPort });
    h.engine.start();
    await waitState(h, 'running', 90_000, 0);
    const r = await raw(proxyPort, '/api/big-header?kb=20', { Host: 'localhost' });
    await h.dispose();
    record({ group: 'Security', test: 'A 20 KB response header (Set-Cookie) from the app passes the proxy', figure: `status ${r.status}, Set-Cookie ${(r.headers['set-cookie'] ?? '').length} bytes` });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers['set-cookie'].length, 'big='.length + 20 * 1024);
  });

  it('a slowloris of 300 sockets is closed within the headers timeout while real requests are served', async function () {
    // The Go app on its own port, the real proxy in front with timeouts made short for the test
    // (the defaults are 30 s for a head, checked every 5 s, and 5 s for an idle keep-alive).
    const h = await harness('proxyapi');
    h.engine.start();
    await waitState(h, 'running', 90_000, 0);
    const timeouts = { headersMs: 1000, keepAliveMs: 500, checkMs: 250 };
    const proxy = await ReloadProxy.listen({ listenPort: 0, holdMs: 5000, liveReload: true, timeouts });
    proxy.setUpstream({ kind: 'up', port: h.port });
    const SOCKETS = 300;
    const socks: net.Socket[] = [];
    const closedAt: number[] = [];
    const answers = new Map<string, number>();
    const t0 = performance.now();
    for (let i = 0; i < SOCKETS; i++) {
      const s = net.connect(proxy.port, '127.0.0.1');
      s.on('error', () => undefined);
      // Read what the server says (its 408), or the close is never seen.
      let said = '';
      s.on('data', (c: Buffer) => (said += c.toString('latin1')));
      s.on('close', () => {
        closedAt.push(performance.now() - t0);
        answers.set(said.split('\r\n')[0] || '(nothing)', (answers.get(said.split('\r\n')[0] || '(nothing)') ?? 0) + 1);
      });
      // A third say nothing, a third send half a head, a third send a head one header a time and stop.
      if (i % 3 === 1) s.write('GET /api/version HTTP/1.1\r\nHost: loc');
      if (i % 3 === 2) s.write('GET /api/version HTTP/1.1\r\nHost: localhost\r\n');
      socks.push(s);
    }
    const dribble = setInterval(() => {
      for (let i = 2; i < SOCKETS; i += 3) if (!socks[i].destroyed) socks[i].write(`X-Slow-${i}: 1\r\n`);
    }, 200);
    // Idle keep-alive connections after one answer each, from a client that ignores the
    // Keep-Alive hint: the server must close them itself.
    const keepAlive: net.Socket[] = [];
    let keepAliveClosed = 0;
    let keepAliveClosedAt = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const s = net.connect(proxy.port, '127.0.0.1');
        s.on('error', () => undefined);
        keepAlive.push(s);
        s.on('close', () => {
          keepAliveClosed++;
          keepAliveClosedAt = performance.now() - t0;
        });
        s.write('GET /api/version HTTP/1.1\r\nHost: localhost\r\n\r\n');
        let got = '';
        s.setEncoding('latin1');
        await new Promise<void>((resolve) => s.on('data', (c: string) => (got += c).includes('"version"') && resolve()));
      }),
    );
    // Real requests meanwhile, each on its own connection.
    let served = 0;
    let failed = 0;
    let serving = true;
    const client = (async () => {
      while (serving) {
        const r = await raw(proxy.port, '/api/version', { Host: 'localhost' });
        if (r.status === 200 && r.body.includes('"version":"v1"')) served++;
        else failed++;
      }
    })();
    const bound = timeouts.headersMs + timeouts.checkMs + 1500;
    try {
      await waitUntil(`all ${SOCKETS} slowloris sockets closed by the proxy`, () => closedAt.length === SOCKETS, bound + 5000);
      await waitUntil('idle keep-alive connections closed', () => keepAliveClosed === keepAlive.length, 5000);
    } finally {
      clearInterval(dribble);
      serving = false;
      await client;
      for (const s of [...socks, ...keepAlive]) s.destroy();
      await proxy.close();
      await h.dispose();
    }
    const last = Math.max(...closedAt);
    record({
      group: 'Load and faults',
      test: `A slowloris of ${SOCKETS} connections (silent, half a head, a head dribbled a header at a time) against the proxy, plus 20 idle keep-alive connections`,
      figure: `all ${SOCKETS} closed by the proxy (${[...answers].map(([a, n]) => `${n}× ${a}`).join(', ')}) after ${(Math.min(...closedAt) / 1000).toFixed(2)}–${(last / 1000).toFixed(2)} s (headers timeout ${timeouts.headersMs / 1000} s, checked every ${timeouts.checkMs / 1000} s); ${keepAliveClosed}/${keepAlive.length} idle keep-alive closed after ${(keepAliveClosedAt / 1000).toFixed(2)} s (keep-alive timeout ${timeouts.keepAliveMs / 1000} s); meanwhile ${served} requests served, ${failed} failed`,
    });
    assert.ok(last <= bound, `the last socket closed after ${Math.round(last)} ms, bound ${bound} ms`);
    assert.equal(failed, 0);
    assert.ok(served > 0);
  });
});
