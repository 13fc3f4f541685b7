import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { once } from 'node:events';
import { ReloadProxy } from '../../src/core/proxy/proxy';
import { hostAllowed, hostName } from '../../src/core/proxy/proxyHosts';
import type { BuildProblem } from '../../src/core/build/problem';
import { freePort } from '../../src/core/run/ports';

/** DNS-rebinding protection: which Host headers see the proxy's own pages, over real sockets. */

describe('proxy hosts', function () {
  const proxies: ReloadProxy[] = [];
  const servers: http.Server[] = [];
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      s.close();
    }
  });

  it('loopback names and addresses are allowed, anything else only when listed', () => {
    const yes = [
      'localhost',
      'localhost:3000',
      'LOCALHOST.',
      'app.localhost',
      'a.b.localhost:8080',
      '127.0.0.1',
      '127.0.0.5',
      '127.0.0.1:3000',
      '127.1',
      '[::1]',
      '[::1]:3000',
      '[0:0:0:0:0:0:0:1]',
      '[::ffff:127.0.0.1]',
    ];
    const no = [
      'evil.example',
      'evil.example:3000',
      'localhost.evil.example',
      'evillocalhost',
      '128.0.0.1',
      '10.0.0.1',
      '0.0.0.0',
      '[::2]',
      '[::ffff:10.0.0.1]',
      '',
      'localhost/x',
      'evil.example@localhost',
      'localhost:99999',
      'a b',
    ];
    for (const h of yes) assert.ok(hostAllowed(h), `${h} is loopback`);
    for (const h of no) assert.ok(!hostAllowed(h), `${JSON.stringify(h)} is not`);
    assert.ok(!hostAllowed(undefined), 'no Host header: not allowed');

    // An entry matches the name exactly (port ignored); a leading '.' also every subdomain.
    const allowed = ['dev.example.com', '.app.github.dev', 'box:8080'];
    assert.ok(hostAllowed('dev.example.com:3000', allowed));
    assert.ok(hostAllowed('DEV.example.com', allowed));
    assert.ok(!hostAllowed('x.dev.example.com', allowed), 'no leading dot: exact name only');
    assert.ok(hostAllowed('app.github.dev', allowed));
    assert.ok(hostAllowed('me-3000.app.github.dev', allowed));
    assert.ok(!hostAllowed('evilapp.github.dev', allowed), 'a suffix is not a subdomain');
    assert.ok(hostAllowed('box:3000', allowed));
    assert.equal(hostName('[::1]:80'), '[::1]');
  });

  const problems: BuildProblem[] = [{ file: '/home/me/secret-project/main.go', line: 3, column: 1, message: 'syntax error', severity: 'error' }];

  /** A raw request with any Host header, first line of the body back. */
  function ask(
    port: number,
    path: string,
    host: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
    return new Promise((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path, headers: { Host: host, ...headers }, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
          // The event stream never ends: its first bytes are enough.
          if (path.endsWith('/events')) req.destroy();
        });
        const done = () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
        res.on('end', done);
        res.on('close', done);
      });
      req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
    });
  }

  it('evil.example gets a 403 line for live.js, the event stream and the error pages; the app still gets its requests', async () => {
    const app = http.createServer((req, res) => res.end(`app saw Host ${req.headers.host}`));
    servers.push(app);
    app.listen(await freePort(), '127.0.0.1');
    await once(app, 'listening');
    const appPort = (app.address() as net.AddressInfo).port;
    const p = await ReloadProxy.listen({ listenPort: 0, holdMs: 300, liveReload: true, allowedHosts: ['.tunnel.example'] });
    proxies.push(p);
    p.setUpstream({ kind: 'up', port: appPort });

    const fwd = await ask(p.port, '/', 'evil.example');
    assert.equal(fwd.status, 200);
    assert.equal(fwd.body, 'app saw Host evil.example', "requests for the app are the app's business");

    p.setUpstream({ kind: 'failed', problems, output: 'main.go:3:1: syntax error\n' });
    for (const path of ['/__gopher_reload/live.js', '/__gopher_reload/events', '/__gopher_reload/nothing', '/', '/api']) {
      for (const accept of ['text/html', 'application/json']) {
        const r = await ask(p.port, path, 'evil.example:8080', { Accept: accept });
        assert.equal(r.status, 403, `${path} (${accept})`);
        assert.equal(r.headers['x-gopher-reload'], 'host-not-allowed');
        assert.match(r.headers['content-type'] ?? '', /^text\/plain/);
        assert.equal(r.body.split('\n').filter(Boolean).length, 1, 'one line');
        assert.match(r.body, /the host "evil\.example" may not see the proxy's own pages .* add "evil\.example" to gopherReload\.proxyAllowedHosts/);
        assert.ok(!r.body.includes('secret-project') && !r.body.includes('syntax error'), 'no build output');
      }
    }
    // The 503 pages (stopped server, not ready) are the proxy's own too.
    p.setUpstream({ kind: 'down', title: 'The server crashed', detail: '/home/me/secret-project/main.go:9 panic' });
    assert.equal((await ask(p.port, '/', 'evil.example')).status, 403);
    p.setUpstream({ kind: 'starting' });
    const held = await ask(p.port, '/', 'evil.example');
    assert.equal(held.status, 403, 'the hold ran out: still no page for evil.example');

    // Loopback under any spelling, and the allowed tunnel host, get everything.
    p.setUpstream({ kind: 'failed', problems, output: '' });
    for (const host of [`localhost:${p.port}`, '127.0.0.5', `[::1]:${p.port}`, 'app.localhost', 'me-3000.tunnel.example']) {
      const page = await ask(p.port, '/', host, { Accept: 'text/html' });
      assert.equal(page.status, 502, host);
      assert.match(page.body, /secret-project\/main\.go:3:1/, host);
      assert.equal((await ask(p.port, '/__gopher_reload/live.js', host)).status, 200, host);
      const ev = await ask(p.port, '/__gopher_reload/events', host);
      assert.equal(ev.status, 200, host);
      assert.match(ev.body, /: connected/);
    }
    assert.equal((await ask(p.port, '/', 'tunnel.example.evil.example')).status, 403);
  });

  it('without the setting only loopback is allowed (the proxy is safe when nobody passes allowedHosts)', async () => {
    const p = await ReloadProxy.listen({ listenPort: 0, holdMs: 300, liveReload: true });
    proxies.push(p);
    assert.equal((await ask(p.port, '/__gopher_reload/live.js', 'me-3000.tunnel.example')).status, 403);
    assert.equal((await ask(p.port, '/__gopher_reload/live.js', 'localhost')).status, 200);
  });

  it('the first refusal per host is logged with the setting to change, once', async () => {
    const warnings: string[] = [];
    const log = { trace() {}, info() {}, error() {}, warn: (m: string) => warnings.push(m) };
    const p = await ReloadProxy.listen({
      listenPort: 0,
      holdMs: 300,
      liveReload: true,
      log,
      words: (t) => t.replace('gopherReload.proxyAllowedHosts', '--proxy-allowed-host'),
    });
    proxies.push(p);
    p.setUpstream({ kind: 'failed', problems, output: '' });
    const r = await ask(p.port, '/__gopher_reload/live.js', 'me-3000.tunnel.example');
    await ask(p.port, '/', 'me-3000.tunnel.example', { Accept: 'text/html' });
    await ask(p.port, '/__gopher_reload/events', 'other.example');
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.match(warnings[0], /GET \/__gopher_reload\/live\.js for Host "me-3000\.tunnel\.example" got a 403: .* add "me-3000\.tunnel\.example" there/);
    assert.match(warnings[0], /--proxy-allowed-host/, "in the adapter's words");
    assert.match(r.body, /add "me-3000\.tunnel\.example" to --proxy-allowed-host/, 'the 403 line too');
    assert.match(warnings[1], /"other\.example"/);
  });
});
