import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { resolveConfig } from '../../src/core/config/config';
import { cliWords } from '../../src/cli/words';
import { freePort } from '../../src/core/run/ports';
import { ReloadProxy, type ProxyOptions, type Upstream } from '../../src/core/proxy/proxy';
import { ProxyLink } from '../../src/core/proxy/proxyLink';
import type { EngineState } from '../../src/core/engine/state';
import { harness, waitState, waitUntil, type Harness } from '../support/helpers';

/** One request through the proxy, with an Accept header; never throws (status 0 on a socket error). */
function request(port: number, accept = '*/*', urlPath = '/'): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, headers: { accept }, agent: false, timeout: 15_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type'] ?? '') }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: '', type: '' }));
  });
}

/**
 * The engine with gopherReload.proxyPort: the proxy takes the port users browse to, the app
 * gets its own port through PORT, build errors become a page, and open pages are told to reload.
 * Real go builds of test/fixtures/nethttp, real servers, real sockets.
 */
describe('the request-holding proxy, through the engine', function () {
  it('serves through the proxy; a broken build shows the errors to pages, API calls reach the old server; the fix is served; pages are told to reload', async () => {
    const proxyPort = await freePort();
    const h = await harness('nethttp', { proxyPort });
    h.engine.start();
    const running = await waitState(h, 'running', 90_000, 0);
    assert.equal(running.port, proxyPort, 'the status bar shows the port users browse to');
    assert.ok(running.appPort && running.appPort !== proxyPort, 'the app has a port of its own');
    assert.equal(h.engine.port, proxyPort, 'Open in Browser opens the proxy');
    assert.equal((await request(proxyPort)).body, 'nethttp v1');

    // An open page listens for reloads.
    const events: string[] = [];
    const sse = http.get({ host: '127.0.0.1', port: proxyPort, path: '/__gopher_reload/events', agent: false }, (res) =>
      res.on('data', (c) => events.push(String(c))),
    );
    sse.on('error', () => undefined);
    await waitUntil('the event stream is open', () => events.length > 0 || sse.reusedSocket === false, 5000);

    const main = path.join(h.dir, 'main.go');
    const original = fs.readFileSync(main, 'utf8');
    fs.writeFileSync(main, original.replace('"nethttp v1"', '"nethttp v2" + brokenName'));
    h.engine.fileChanged(main);
    await waitState(h, 'build-failed', 90_000);
    const page = await request(proxyPort, 'text/html,application/xhtml+xml');
    assert.equal(page.status, 502);
    assert.match(page.type, /text\/html/);
    assert.match(page.body, /undefined: brokenName/);
    assert.ok(page.body.includes(`vscode://file${main}:`), 'file:line links');
    assert.match(page.body, /__gopher_reload\/live\.js/, 'the error page reloads itself once fixed');
    // The old server still serves: an API call goes on to it (only page navigations show the errors).
    const api = await request(proxyPort, 'application/json');
    assert.equal(api.status, 200);
    assert.equal(api.body, 'nethttp v1');

    fs.writeFileSync(main, original.replace('"nethttp v1"', '"nethttp v3"'));
    h.engine.fileChanged(main);
    await waitUntil('v3 through the proxy', async () => (await request(proxyPort)).body === 'nethttp v3', 90_000);
    // The failed build (old server serving) was an overlay event, not a reload; the fix reloads.
    await waitUntil('reload event', () => events.join('').includes('event: reload'), 5000);
    assert.match(events.join(''), /event: build-failed\ndata: .*undefined: brokenName/);
    sse.destroy();
    await h.dispose();
    assert.equal((await request(proxyPort)).status, 0, 'the proxy closed with the engine');
  });

  it('with gopherReload.port set, the app keeps that port behind the proxy; ${appPort} reaches args', async () => {
    const [proxyPort, appPort] = [await freePort(), await freePort()];
    const h = await harness('nethttp', { proxyPort, port: appPort, args: ['--listen=${appPort}'] });
    h.engine.start();
    const running = await waitState(h, 'running', 90_000, 0);
    assert.equal(running.appPort, appPort);
    assert.equal((await request(appPort)).body, 'nethttp v1', 'the app listens on its own port');
    assert.equal((await request(proxyPort)).body, 'nethttp v1');
    assert.ok(h.engine.configuration.args.includes('--listen=${appPort}'), 'the setting itself is unchanged');
    if (process.platform === 'linux')
      assert.ok(fs.readFileSync(`/proc/${running.pid}/cmdline`, 'utf8').split('\0').includes(`--listen=${appPort}`), 'the server got the expanded argument');
    await h.dispose();
  });

  it('a busy proxy port is an error that names the owner, and nothing is killed', async () => {
    const blocker = net.createServer().listen(0, '0.0.0.0');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as net.AddressInfo).port;
    const h = await harness('nethttp', { proxyPort: port });
    h.engine.start();
    const err = await waitState(h, 'error', 30_000, 0);
    assert.match(err.message, new RegExp(`proxy could not listen on port ${port}: EADDRINUSE`));
    assert.match(err.message, new RegExp(`pid ${process.pid}`));
    assert.match(err.hint, /never kills it/);
    await h.dispose();
    blocker.close();
  });

  it('gopherReload.proxyAllowedHosts reaches the proxy as allowedHosts: that host sees its pages, another does not', async () => {
    const proxyPort = await freePort();
    const seen: ProxyOptions[] = [];
    const listen = ReloadProxy.listen;
    ReloadProxy.listen = (o) => (seen.push(o), listen.call(ReloadProxy, o));
    let h: Harness | undefined;
    try {
      h = await harness('nethttp', { proxyPort, proxyAllowedHosts: ['My-Box.example.com', '.app.github.dev'] });
      h.engine.start();
      await waitState(h, 'running', 90_000, 0);
    } finally {
      ReloadProxy.listen = listen;
    }
    assert.deepEqual(
      seen.map((o) => o.allowedHosts),
      [['my-box.example.com', '.app.github.dev']],
    );
    const liveJs = (host: string) => hostRequest(proxyPort, host, '/__gopher_reload/live.js');
    assert.equal((await liveJs('my-box.example.com')).status, 200);
    assert.equal((await liveJs('x.app.github.dev:443')).status, 200);
    assert.equal((await liveJs(`localhost:${proxyPort}`)).status, 200);
    assert.equal((await liveJs('evil.example')).status, 403);
    await h!.dispose();
  });

  it("a failed build while the old server serves tells the proxy its port; with none serving, none; page text in the adapter's words", async () => {
    const proxyPort = await freePort();
    const { config } = resolveConfig(path.join(__dirname), { proxyPort });
    const link = new ProxyLink(() => ({ ...config, pageWords: cliWords }), { trace() {}, info() {}, warn() {}, error() {} });
    const set: Upstream[] = [];
    const setUpstream = ReloadProxy.prototype.setUpstream;
    ReloadProxy.prototype.setUpstream = function (u: Upstream) {
      set.push(u);
      setUpstream.call(this, u);
    };
    try {
      assert.equal(await link.ensure(), undefined);
      const appPort = Number(link.environment({}).PORT);
      assert.ok(appPort > 0 && appPort !== proxyPort);
      const timings = { trigger: 'test' };
      const states: EngineState[] = [
        { kind: 'running', pid: 1, port: proxyPort, timings },
        { kind: 'building', trigger: 'main.go', serving: true },
        { kind: 'build-failed', problems: [], output: 'x', serving: true, buildMs: 1 },
      ];
      for (const st of states) link.onState(st);
      const failed = set.at(-1)!;
      assert.equal(failed.kind, 'failed');
      assert.equal(failed.kind === 'failed' && failed.serving, appPort, 'the old server still answers on the app port');

      // The old server stopped (a crash): the next failed build has nobody to forward to.
      link.onState({ kind: 'crashed', exitCode: 2, signal: null, lastOutput: ['boom'], crashCount: 1 });
      link.onState({ kind: 'build-failed', problems: [], output: 'x', serving: false, buildMs: 1 });
      const none = set.at(-1)!;
      assert.equal(none.kind === 'failed' && none.serving, undefined);

      link.onState({ kind: 'stopped' });
      const down = set.at(-1)!;
      assert.equal(down.kind, 'down');
      assert.equal(down.kind === 'down' && down.detail, 'Save a file or restart gopher-reload.', "the CLI's words, not VS Code's");
      link.onState({
        kind: 'error',
        message: 'Port 1 is in use.',
        hint: 'Stop it, or move your server to another port (and set gopherReload.port if you use it), then save or Restart Server.',
      });
      const err = set.at(-1)!;
      assert.ok(err.kind === 'down' && err.detail.includes('set --port') && err.detail.includes('restart gopher-reload'), JSON.stringify(err));
    } finally {
      ReloadProxy.prototype.setUpstream = setUpstream;
      await link.close();
    }
  });
});

/** A GET with the Host header a browser behind a forwarded port would send. */
function hostRequest(port: number, host: string, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, headers: { host }, agent: false, timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: '' }));
  });
}
