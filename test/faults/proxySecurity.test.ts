import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { ReloadProxy } from '../../src/core/proxy/proxy';
import { TEST_TMP, harness, repoRoot, waitState, waitUntil } from '../support/helpers';
import { freePort } from '../../src/core/run/ports';
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
    for (let at = 0; ;) {
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
    // Node keeps 2000 header fields by default and drops the rest silently; Go keeps them all.
    const many: Record<string, string> = { Host: 'localhost' };
    for (let i = 0; i < 3000; i++) many[`X-Field-${i}`] = String(i);
    const fieldsDirect = await raw(appPort, '/api/headers', many);
    const fieldsThrough = await raw(proxyPort, '/api/headers', many);
    rows.push(`3000 header fields: Go saw ${fieldsDirect.body}, through the proxy ${fieldsThrough.body}`);
    assert.equal(fieldsThrough.status, 200);
    assert.equal(fieldsDirect.body, '{"fields":3000}');
    assert.equal(fieldsThrough.body, fieldsDirect.body, 'the app gets every header field through the proxy');
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
    record({
      group: 'Security',
      test: 'A 20 KB response header (Set-Cookie) from the app passes the proxy',
      figure: `status ${r.status}, Set-Cookie ${(r.headers['set-cookie'] ?? '').length} bytes`,
    });
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

  /** The fixture in a folder whose name is markup, as a file name on the error page would be. */
  function hostileCopy(): string {
    const dir = path.join(fs.mkdtempSync(path.join(TEST_TMP, 'proxyapi-')), 'app<script>alert(1)');
    fs.cpSync(path.join(repoRoot(), 'test', 'fixtures', 'proxyapi'), dir, { recursive: true });
    return dir;
  }
  // Anchored: the fixture's comment names the line too.
  const VERSION = /^const version = "v1"$/m;
  const BROKEN = (src: string) => src.replace(VERSION, 'const version = "v2" + undefinedName');

  it('a failed build behind the proxy: the old server keeps the API; navigations get the errors, escaped, under a CSP; open pages an overlay', async function () {
    const proxyPort = await freePort();
    const h = await harness('proxyapi', { proxyPort }, hostileCopy());
    h.engine.start();
    await waitState(h, 'running', 90_000, 0);
    const local = { Host: `localhost:${proxyPort}` };
    const events = net.connect(proxyPort, '127.0.0.1');
    let stream = '';
    events.setEncoding('utf8');
    events.on('data', (c: string) => (stream += c));
    events.on('error', () => undefined);
    events.write(`GET /__gopher_reload/events HTTP/1.1\r\nHost: localhost:${proxyPort}\r\n\r\n`);
    await waitUntil('the event stream is open', () => stream.includes(': connected'), 5000);

    const main = path.join(h.dir, 'main.go');
    const original = fs.readFileSync(main, 'utf8');
    fs.writeFileSync(main, BROKEN(original));
    h.engine.fileChanged(main);
    const failed = await waitState(h, 'build-failed', 90_000);
    assert.equal(failed.serving, true);

    const api = await raw(proxyPort, '/api/version', { ...local, Accept: 'application/json', 'Sec-Fetch-Mode': 'cors' });
    const asset = await raw(proxyPort, '/static/app.css', { ...local, Accept: 'text/css,*/*;q=0.1', 'Sec-Fetch-Mode': 'no-cors' });
    const nav = await raw(proxyPort, '/', { ...local, Accept: 'text/html,application/xhtml+xml', 'Sec-Fetch-Mode': 'navigate' });
    const curlNav = await raw(proxyPort, '/', { ...local, Accept: 'text/html' });
    await waitUntil('the open page gets the overlay event', () => stream.includes('event: build-failed'), 5000);
    events.destroy();

    fs.writeFileSync(main, original.replace(VERSION, 'const version = "v3"'));
    h.engine.fileChanged(main);
    await waitUntil('v3 served', async () => (await raw(proxyPort, '/api/version', local)).body.includes('"v3"'), 90_000);
    await h.dispose();

    const overlay = /event: build-failed\ndata: (.*)\n/.exec(stream)?.[1];
    record({
      group: 'Load and faults',
      test: 'A failed build behind the proxy while the old server serves (proxyapi, Go): API calls, assets, navigations, open pages',
      figure: `API call ${api.status} (version ${/"version":"(\w+)"/.exec(api.body)?.[1]}); asset ${asset.status}; navigation (Sec-Fetch-Mode: navigate) ${nav.status} ${nav.headers['x-gopher-reload']}; GET accepting HTML ${curlNav.status}; open page: ${overlay ? 'build-failed event (overlay), no reload' : 'no event'}`,
    });
    assert.equal(api.status, 200);
    assert.match(api.body, /"version":"v1"/, 'the old server answers the API call');
    assert.equal(asset.status, 200);
    assert.equal(asset.body, 'body { color: teal }');
    assert.equal(nav.status, 502);
    assert.equal(nav.headers['x-gopher-reload'], 'build-failed');
    assert.match(nav.body, /undefined: undefinedName/);
    assert.equal(curlNav.status, 502);
    assert.ok(overlay, stream);
    assert.match(overlay, /undefined: undefinedName/);
    assert.ok(!/event: reload\n/.test(stream.slice(0, stream.indexOf('event: build-failed'))), 'no reload before the overlay');

    // The folder's name is markup: escaped in the text and the link, and no script but live.js.
    const esc = `app&lt;script&gt;alert(1)/main.go:`;
    record({
      group: 'Security',
      test: "The proxy's error page: a strict Content-Security-Policy, and file names escaped (a project folder named app<script>alert(1))",
      figure: `CSP: ${nav.headers['content-security-policy']}; folder shown as ${nav.body.includes(esc) ? 'app&lt;script&gt;alert(1)' : 'NOT ESCAPED'}; <script> tags: ${(nav.body.match(/<script[^>]*>/g) ?? []).join(' ')}`,
    });
    assert.match(
      nav.headers['content-security-policy'] ?? '',
      /^default-src 'none'; style-src 'sha256-[^']+'; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'$/,
    );
    assert.ok(nav.body.includes(esc), nav.body);
    assert.ok(nav.body.includes('app%3Cscript%3Ealert(1)/main.go'), 'the vscode:// link is encoded');
    assert.deepEqual(nav.body.match(/<script[^>]*>/g), ['<script src="__gopher_reload/live.js">']);
  });

  it('with no server running, an API call gets the 502 with the error text', async function () {
    const proxyPort = await freePort();
    const dir = hostileCopy();
    fs.writeFileSync(path.join(dir, 'main.go'), BROKEN(fs.readFileSync(path.join(dir, 'main.go'), 'utf8')));
    const h = await harness('proxyapi', { proxyPort }, dir);
    h.engine.start();
    const failed = await waitState(h, 'build-failed', 90_000, 0);
    const api = await raw(proxyPort, '/api/version', { Host: `127.0.0.1:${proxyPort}`, Accept: 'application/json', 'Sec-Fetch-Mode': 'cors' });
    await h.dispose();
    record({
      group: 'Load and faults',
      test: 'A failed build behind the proxy with no server running: an API call',
      figure: `${api.status} ${api.headers['x-gopher-reload']}: ${JSON.stringify(api.body.split('\n')[1] ?? '')}`,
    });
    assert.equal(failed.serving, false);
    assert.equal(api.status, 502);
    assert.match(api.headers['content-type'] ?? '', /^text\/plain/);
    assert.match(api.body, /^Gopher Reload: the last build failed\.\n.*main\.go:\d+:\d+ undefined: undefinedName/);
  });

  it('DNS rebinding: another Host gets a 403 line from live.js, the event stream and the error page; loopback and allowed hosts pass', async function () {
    const proxyPort = await freePort();
    const h = await harness('proxyapi', { proxyPort, proxyAllowedHosts: ['.tunnel.example'] });
    h.engine.start();
    await waitState(h, 'running', 90_000, 0);
    const evil = { Host: `evil.example:${proxyPort}`, Accept: 'text/html', 'Sec-Fetch-Mode': 'navigate' };
    // The app decides about its own Host: a request for it is forwarded as before.
    const app = await raw(proxyPort, '/api/version', { ...evil, Accept: 'application/json', 'Sec-Fetch-Mode': 'cors' });
    const main = path.join(h.dir, 'main.go');
    fs.writeFileSync(main, BROKEN(fs.readFileSync(main, 'utf8')));
    h.engine.fileChanged(main);
    await waitState(h, 'build-failed', 90_000);
    const refused: Record<string, Raw> = {};
    for (const p of ['/__gopher_reload/live.js', '/__gopher_reload/events', '/']) refused[p] = await raw(proxyPort, p, evil);
    const allowed: Record<string, number> = {};
    for (const host of [`localhost:${proxyPort}`, '127.0.0.5', `[::1]:${proxyPort}`, 'app.localhost', `me-3000.tunnel.example:${proxyPort}`]) {
      const page = await raw(proxyPort, '/', { ...evil, Host: host });
      const js = await raw(proxyPort, '/__gopher_reload/live.js', { Host: host });
      allowed[host] = page.status === 502 && page.body.includes('undefinedName') && js.status === 200 ? 200 : page.status;
    }
    await h.dispose();
    record({
      group: 'Security',
      test: 'DNS rebinding: the proxy pages and endpoints for Host evil.example, loopback hosts, and a host allowed in gopherReload.proxyAllowedHosts',
      figure: `evil.example: ${Object.entries(refused)
        .map(([p, r]) => `${p} ${r.status}`)
        .join(', ')}, app request forwarded ${app.status}; allowed: ${Object.entries(allowed)
        .map(([host, st]) => `${host.replace(String(proxyPort), 'PORT')} ${st === 200 ? 'ok' : st}`)
        .join(', ')}`,
    });
    assert.equal(app.status, 200);
    assert.match(app.body, /"host":"evil\.example:\d+"/);
    for (const [p, r] of Object.entries(refused)) {
      assert.equal(r.status, 403, p);
      assert.equal(r.body.trim().split('\n').length, 1, `${p}: one line`);
      assert.match(r.body, /the host "evil\.example" may not see the proxy's own pages/);
      assert.ok(!r.body.includes('undefinedName'), `${p}: no build output`);
    }
    for (const [host, st] of Object.entries(allowed)) assert.equal(st, 200, host);
  });
});
