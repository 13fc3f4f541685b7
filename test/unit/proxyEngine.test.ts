import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { freePort } from '../../src/core/ports';
import { harness, waitState, waitUntil } from './helpers';

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
  it('serves through the proxy; a broken build shows the errors (page or 502); the fix is served; pages are told to reload', async () => {
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
    const sse = http.get({ host: '127.0.0.1', port: proxyPort, path: '/__gopher_reload/events', agent: false }, (res) => res.on('data', (c) => events.push(String(c))));
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
    const api = await request(proxyPort, 'application/json');
    assert.equal(api.status, 502);
    assert.match(api.type, /text\/plain/);
    assert.match(api.body, /undefined: brokenName/);

    fs.writeFileSync(main, original.replace('"nethttp v1"', '"nethttp v3"'));
    h.engine.fileChanged(main);
    await waitUntil('v3 through the proxy', async () => (await request(proxyPort)).body === 'nethttp v3', 90_000);
    await waitUntil('reload events', () => events.join('').split('event: reload').length - 1 >= 2, 5000);
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
    if (process.platform === 'linux') assert.ok(fs.readFileSync(`/proc/${running.pid}/cmdline`, 'utf8').split('\0').includes(`--listen=${appPort}`), 'the server got the expanded argument');
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
});
