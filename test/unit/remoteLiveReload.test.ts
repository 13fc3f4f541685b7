import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { resolveConfig } from '../../src/core/config/config';
import { LIVE_SCRIPT_JS, LIVE_SCRIPT_TAG, liveResource } from '../../src/core/proxy/liveReload';
import { ReloadProxy } from '../../src/core/proxy/proxy';
import { ProxyLink } from '../../src/core/proxy/proxyLink';
import { freePort } from '../../src/core/run/ports';

/*
 * Live reload through the port forwarding of remote development. Real sockets: a Node server
 * stands in for the Go app, the real ReloadProxy is in front of it, and a small forwarder in
 * front of that does what each kind of forwarding does to a request (code-server's /proxy/<port>/
 * strips the prefix and collapses `//` as its http-proxy does, /absproxy/<port>/ keeps it,
 * Codespaces forwards a whole host under its own name). The "browser" resolves URLs with the
 * WHATWG URL parser, as a browser does, and runs the real live.js to learn its stream's URL.
 */

type Mode = 'direct' | 'proxy' | 'absproxy' | 'host';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function serve(handler: http.RequestListener): Promise<number> {
  const server = http.createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  );
  return (server.address() as AddressInfo).port;
}

/** The app: every path is an HTML page naming the path it got. */
const app = () =>
  serve((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><title>t</title></head><body><h1>app saw ${req.url}</h1></body></html>`);
  });

/** A forwarder in front of the proxy, as each kind of remote forwarding treats a request; Host is passed on as it came. */
async function forwarder(mode: Exclude<Mode, 'direct'>, proxyPort: number): Promise<number> {
  return serve((req, res) => {
    const url = req.url ?? '/';
    let target: string | undefined;
    if (mode === 'host') target = url;
    else {
      const m = new RegExp(`^/${mode}/${proxyPort}(/[^?]*)?(\\?.*)?$`).exec(url);
      // /proxy/<port>/x reaches the app as /x (http-proxy's urlJoin collapses repeated slashes); /absproxy keeps the path.
      if (m) target = mode === 'absproxy' ? url : `${(m[1] ?? '/').replace(/\/+/g, '/')}${m[2] ?? ''}`;
    }
    if (!target) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('the forwarder has no such page');
      return;
    }
    const up = http.request({ host: '127.0.0.1', port: proxyPort, path: target, method: req.method, headers: req.headers, agent: false }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
}

/** A GET of an absolute URL the browser holds, sent to `port` on loopback with the URL's host in Host. */
function get(port: number, url: URL, accept = 'text/html'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: url.pathname + url.search, headers: { Host: url.host, Accept: accept }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('error', reject);
  });
}

/** The URL live.js gives EventSource when it was loaded from `scriptUrl` (document.currentScript.src), resolved against the page. */
function streamUrl(scriptUrl: URL | undefined, page: URL): URL {
  let opened: string | undefined;
  vm.runInNewContext(LIVE_SCRIPT_JS, {
    window: {},
    document: { currentScript: scriptUrl ? { src: scriptUrl.href } : null, documentElement: { hasAttribute: () => false } },
    location: { reload() {} },
    EventSource: class {
      constructor(url: string) {
        opened = url;
      }
      addEventListener() {}
    },
  });
  assert.ok(opened, 'live.js opened a stream');
  return new URL(opened, page);
}

/** Opens the stream at `url` through `port`, waits for it to connect, calls `reload`, and resolves with what arrived. */
function reloadArrives(port: number, url: URL, reload: () => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: url.pathname + url.search, headers: { Host: url.host, Accept: 'text/event-stream' }, agent: false },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`the stream answered ${res.statusCode}`));
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
          if (text.includes(': connected') && !text.includes('event: reload')) reload();
          if (text.includes('event: reload\n')) {
            req.destroy();
            resolve(text);
          }
        });
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('no reload event within 10 s')));
    req.on('error', reject);
  });
}

/** Where the browser is for a page at `appPath`, and which port it connects to. */
function pageUrl(mode: Mode, proxyPort: number, fwdPort: number, appPath: string): URL {
  switch (mode) {
    case 'direct':
      return new URL(`http://localhost:${proxyPort}${appPath}`);
    case 'proxy':
      return new URL(`http://127.0.0.1:${fwdPort}/proxy/${proxyPort}${appPath}`);
    case 'absproxy':
      return new URL(`http://127.0.0.1:${fwdPort}/absproxy/${proxyPort}${appPath}`);
    case 'host':
      return new URL(`https://app-${proxyPort}.preview.example${appPath}`);
  }
}

const PATHS = ['/', '/users/1', '/users/1/', '/users/1?tab=a/b&next=%2Fx%2Fy', '/a/b/c/d.html', '/caf%C3%A9/x%2Fy', '/a//b', '/users/1#top'];

describe('live reload through remote port forwarding (remote)', function () {
  this.timeout(60_000);

  it('the script and its stream are found from any page, under every forwarding, and the reload arrives', async () => {
    const appPort = await app();
    const p = await ReloadProxy.listen({ listenPort: 0, holdMs: 2000, liveReload: true });
    closers.push(() => p.close());
    p.setUpstream({ kind: 'up', port: appPort });
    p.allowHost(`app-${p.port}.preview.example`);
    for (const mode of ['direct', 'proxy', 'absproxy', 'host'] as const) {
      const fwdPort = mode === 'direct' ? p.port : await forwarder(mode, p.port);
      for (const appPath of PATHS) {
        const at = `${mode} ${appPath}`;
        const page = pageUrl(mode, p.port, fwdPort, appPath);
        const html = await get(fwdPort, page);
        assert.equal(html.status, 200, at);
        assert.match(html.body, /<h1>app saw /, at);
        const src = /<script src="([^"]+)"><\/script>/.exec(html.body)?.[1];
        assert.ok(src, `${at}: the page has the script tag`);
        assert.ok(!/^(\/|[a-z]+:)/i.test(src), `${at}: a relative URL, no origin, not rooted (${src})`);
        const scriptUrl = new URL(src, page);
        const js = await get(fwdPort, scriptUrl, '*/*');
        assert.equal(js.status, 200, `${at}: live.js at ${scriptUrl.href}: ${js.body}`);
        assert.match(js.type, /javascript/, at);
        const events = streamUrl(scriptUrl, page);
        assert.equal(events.origin, page.origin, `${at}: the stream is on the page's own origin`);
        assert.match(await reloadArrives(fwdPort, events, () => p.reload()), /event: reload\ndata: \{\}/, `${at}: ${events.href}`);
      }
    }
  });

  it('without document.currentScript, live.js falls back to the stream next to the page, which works too', async () => {
    const appPort = await app();
    const p = await ReloadProxy.listen({ listenPort: 0, holdMs: 2000, liveReload: true });
    closers.push(() => p.close());
    p.setUpstream({ kind: 'up', port: appPort });
    const fwdPort = await forwarder('proxy', p.port);
    const page = pageUrl('proxy', p.port, fwdPort, '/users/1?x=/y');
    const events = streamUrl(undefined, page);
    assert.equal(events.pathname, `/proxy/${p.port}/users/__gopher_reload/events`);
    assert.match(await reloadArrives(fwdPort, events, () => p.reload()), /event: reload/);
  });

  it('the event stream tells forwarders not to transform it (a gzipping forwarder would hold the events in its buffer)', async () => {
    const p = await ReloadProxy.listen({ listenPort: 0, holdMs: 2000, liveReload: true });
    closers.push(() => p.close());
    const cc = await new Promise<string>((resolve, reject) => {
      const req = http.get(
        { host: '127.0.0.1', port: p.port, path: '/x/__gopher_reload/events', headers: { 'Accept-Encoding': 'gzip' }, agent: false },
        (res) => {
          resolve(String(res.headers['cache-control']));
          req.destroy();
        },
      );
      req.on('error', reject);
    });
    assert.match(cc, /(^|,)\s*no-transform\s*(,|$)/, cc);
  });

  it("which request targets are the proxy's own (the rest go to the app)", () => {
    const cases: [string, ReturnType<typeof liveResource>][] = [
      ['/__gopher_reload/live.js', 'script'],
      ['/__gopher_reload/live.js?v=2', 'script'],
      ['/users/__gopher_reload/live.js', 'script'],
      ['/absproxy/8080/users/__gopher_reload/events', 'events'],
      ['/__gopher_reload/events', 'events'],
      ['/a/b/__gopher_reload/events?x=/__gopher_reload/live.js', 'events'],
      ['/__gopher_reload/nothing', 'other'],
      ['/x/__gopher_reload/nothing', undefined],
      ['/x/__gopher_reload/live.jsx', undefined],
      ['/x/my__gopher_reload/live.js', undefined],
      ['/x/%5F%5Fgopher_reload/live.js', undefined],
      ['/search?q=/__gopher_reload/live.js', undefined],
      ['/users/1', undefined],
      ['/', undefined],
      ['', undefined],
    ];
    for (const [target, kind] of cases) assert.equal(liveResource(target), kind, target);
    assert.equal(LIVE_SCRIPT_TAG, '<script src="__gopher_reload/live.js"></script>');
  });

  it("a forwarded host allowed by the editor sees the proxy's pages; an unrelated host, a subdomain of it or its parent still get the 403", async () => {
    const appPort = await app();
    const p = await ReloadProxy.listen({ listenPort: 0, holdMs: 2000, liveReload: true });
    closers.push(() => p.close());
    p.setUpstream({ kind: 'up', port: appPort });
    const live = (host: string) => get(p.port, new URL(`http://${host}/users/__gopher_reload/live.js`), '*/*');
    assert.equal((await live('code.example.com')).status, 403, 'not before it is allowed');
    p.allowHost('code.example.com');
    assert.equal((await live('code.example.com')).status, 200);
    assert.equal((await live('code.example.com:8443')).status, 200, 'any port of that name');
    for (const other of ['evil.example', 'x.code.example.com', 'example.com', 'code.example.com.evil.example']) {
      const r = await live(other);
      assert.equal(r.status, 403, other);
      assert.match(r.body, /DNS-rebinding protection/, other);
    }
  });

  it('ProxyLink.allowHost takes the authority asExternalUri gave, skips loopback and junk, and keeps it across a proxy restart', async () => {
    const appPort = await app();
    const proxyPort = await freePort();
    let { config } = resolveConfig(path.join(__dirname), { proxyPort, port: appPort });
    const infos: string[] = [];
    const link = new ProxyLink(() => config, { trace() {}, info: (m: string) => infos.push(m), warn() {}, error() {} });
    closers.push(() => link.close());
    assert.equal(await link.ensure(), undefined);
    assert.equal(link.allowHost('localhost:3000'), undefined, 'Remote-SSH: the tunnel arrives as localhost, nothing to allow');
    assert.equal(link.allowHost('127.0.0.1:8080'), undefined);
    assert.equal(link.allowHost('user:pw@x.example'), undefined, 'not a host name');
    assert.equal(link.allowHost(''), undefined);
    assert.equal(link.allowHost('.github.dev'), undefined, 'a name, never a wildcard');
    assert.equal(link.allowHost('Name-8080.App.GitHub.dev:443'), 'name-8080.app.github.dev');
    assert.equal(link.allowHost('name-8080.app.github.dev'), undefined, 'once');
    assert.equal(infos.filter((m) => m.includes('name-8080.app.github.dev')).length, 1, infos.join('\n'));
    const live = (host: string) => get(proxyPort, new URL(`http://${host}/__gopher_reload/live.js`), '*/*');
    assert.equal((await live('name-8080.app.github.dev')).status, 200);
    assert.equal((await live('other-8080.app.github.dev')).status, 403, 'only that name, not its siblings');
    // A settings change restarts the proxy: the forwarded name stays allowed.
    config = { ...config, proxyHoldMs: config.proxyHoldMs + 1 };
    assert.equal(await link.ensure(), undefined);
    assert.equal((await live('name-8080.app.github.dev')).status, 200, 'after the restart');
    assert.equal((await live('evil.example')).status, 403);
  });
});
