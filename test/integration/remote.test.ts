import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import * as vscode from 'vscode';
import { LIVE_SCRIPT_JS } from '../../src/core/proxy/liveReload';
import { api, editAndSave, setDescribeContext, waitFor, type ModuleView } from './util';

/*
 * Working remotely, in VS Code Server (code-server 4.100.3): Open in Browser and the Gin Routes
 * links give the URL that VS Code's own port forwarding serves (`/proxy/<port>/` on code-server's
 * port), the app answers there, and a page opened there reloads itself after a save: its
 * live-reload script and event stream are found through the forwarding. The workspace is a copy
 * of test/fixtures/gin-api; the proxy is turned on here, on a free port.
 */

/** A GET through code-server, with the Host a browser at `url` sends (or `host`). */
function fetchText(url: URL, host = url.host): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, headers: { Host: host, Accept: 'text/html,*/*' }, agent: false, timeout: 15_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url.href} within 15 s`)));
    req.on('error', reject);
  });
}

/** The stream URL the real live.js opens when the browser loaded it from `scriptUrl`, resolved against the page. */
function streamUrl(scriptUrl: URL, page: URL): URL {
  let opened: string | undefined;
  vm.runInNewContext(LIVE_SCRIPT_JS, {
    window: {},
    document: { currentScript: { src: scriptUrl.href }, documentElement: { hasAttribute: () => false } },
    location: { reload() {} },
    EventSource: class {
      constructor(u: string) {
        opened = u;
      }
      addEventListener() {}
    },
  });
  assert.ok(opened);
  return new URL(opened, page);
}

describe('Gopher Reload in VS Code Server: working remotely', function () {
  const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
  const message = vscode.Uri.file(path.join(folder, 'handlers', 'message.go'));
  const proxyPort = Number(process.env.GOPHER_RELOAD_PORT2);
  let mod: () => ModuleView;
  /** What Open in Browser handed to vscode.env.openExternal. */
  const opened: vscode.Uri[] = [];
  let restore: (() => void) | undefined;

  before(async () => {
    const a = await api();
    mod = () => a.modules()[0];
    setDescribeContext(() => `state: ${JSON.stringify(mod().state).slice(0, 600)}`);
    // The proxy on a free port; the app gets its own port from the proxy (PORT), not the scenario's.
    const cfg = vscode.workspace.getConfiguration('gopherReload');
    await cfg.update('env', undefined, vscode.ConfigurationTarget.Workspace);
    await cfg.update('proxyPort', proxyPort, vscode.ConfigurationTarget.Workspace);
    // Observe what the command really opens: the URL stops here instead of in a new browser tab.
    const env = vscode.env as { openExternal: typeof vscode.env.openExternal };
    const real = env.openExternal;
    env.openExternal = async (uri: vscode.Uri) => (opened.push(uri), true);
    assert.notEqual(vscode.env.openExternal, real, 'vscode.env.openExternal can be observed');
    restore = () => (env.openExternal = real);
  });

  after(() => restore?.());

  it('hot reload with the proxy serves the app on the proxy port', async () => {
    await vscode.commands.executeCommand('gopherReload.toggle');
    await waitFor('running behind the proxy', () => mod().state.kind === 'running' && mod().port === proxyPort);
    const r = await fetchText(new URL(`http://127.0.0.1:${proxyPort}/`));
    assert.equal(r.body, 'Hello from Gin v1');
  });

  let home: URL;

  it("Open in Browser opens code-server's /proxy/<port>/ URL for the proxy, and the app answers there through code-server", async () => {
    opened.length = 0;
    await vscode.commands.executeCommand('gopherReload.openInBrowser', mod().id);
    assert.equal(opened.length, 1, 'one URL opened');
    const root = new URL(opened[0].toString(true));
    // code-server 4.100.3's default template is `./proxy/{{port}}/`, on the workbench's own origin.
    assert.match(root.href, new RegExp(`^http://127\\.0\\.0\\.1:\\d+/proxy/${proxyPort}/$`), root.href);
    assert.notEqual(Number(root.port), proxyPort, "code-server's own port, not the proxy's");
    const r = await fetchText(root);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.body, 'Hello from Gin v1', 'the app, through code-server and the proxy');

    // A Gin Routes link keeps its route's path under the forwarded root.
    await waitFor('routes', () => mod().routes.some((x) => x.path === '/home'));
    opened.length = 0;
    await vscode.commands.executeCommand('gopherReload.openRoute', mod().id, '/home');
    assert.equal(opened.length, 1);
    home = new URL(opened[0].toString(true));
    assert.equal(home.href, new URL('home', root).href, 'the route under the forwarded root');
    const page = await fetchText(home);
    assert.equal(page.status, 200);
    assert.match(page.body, /<h1>Hello from Gin v1<\/h1>/);
  });

  it('the page reloads itself after a save through the forwarding: live.js and its event stream are reached through code-server, the reload event arrives and the new body is served there', async () => {
    const page = await fetchText(home);
    const src = /<script src="([^"]+)"><\/script>\s*<\/body>/.exec(page.body)?.[1];
    assert.ok(src, `the live-reload script is in the page: ${page.body}`);
    const scriptUrl = new URL(src, home);
    assert.ok(scriptUrl.pathname.startsWith(`/proxy/${proxyPort}/`), `live.js is under the forwarded root: ${scriptUrl.href}`);
    const js = await fetchText(scriptUrl);
    assert.equal(js.status, 200, js.body);
    assert.match(js.type, /javascript/);
    const events = streamUrl(scriptUrl, home);
    assert.ok(events.pathname.startsWith(`/proxy/${proxyPort}/`), events.href);

    // An unrelated Host through the same forwarding still gets the 403 (DNS-rebinding guard).
    const evil = await fetchText(scriptUrl, `evil.example:${scriptUrl.port}`);
    assert.equal(evil.status, 403, evil.body);

    // The stream, as the page's EventSource opens it, through code-server.
    const got: string[] = [];
    let connected = false;
    const stream = http.get(
      {
        host: events.hostname,
        port: events.port,
        path: events.pathname + events.search,
        // As a browser asks: code-server gzips what it may, and a gzipped stream would sit in its buffer.
        headers: { Host: events.host, Accept: 'text/event-stream', 'Accept-Encoding': 'gzip, deflate, br' },
        agent: false,
      },
      (res) => {
        assert.equal(res.statusCode, 200);
        assert.match(String(res.headers['content-type']), /text\/event-stream/);
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          got.push(c);
          if (c.includes(': connected')) connected = true;
        });
      },
    );
    stream.on('error', () => undefined);
    try {
      await waitFor('the event stream connected through code-server', () => connected, 15_000);
      await editAndSave(message, 'Hello from Gin v1', 'Hello from Gin v2');
      await waitFor('the reload event through code-server', () => got.join('').includes('event: reload\n'), 120_000);
    } finally {
      stream.destroy();
    }
    const after = await fetchText(home);
    assert.match(after.body, /<h1>Hello from Gin v2<\/h1>/, 'the reloaded page shows the save');
  });
  it('in Chromium, the page opened at that URL reloads itself after a save, and shows a broken build as an overlay, all through the forwarding', async function () {
    // playwright-core (a devDependency) with Debian's Chromium, as the UI checks use; its own HOME.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { chromium } = require('playwright-core') as typeof import('playwright-core');
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'gopher-remote-chromium-'));
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      env: { ...process.env, HOME: profile, XDG_CONFIG_HOME: path.join(profile, '.config'), XDG_CACHE_HOME: path.join(profile, '.cache') },
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
    });
    try {
      const page = await browser.newPage();
      const streams: string[] = [];
      page.on('response', (r) => {
        if (r.url().includes('__gopher_reload/events')) streams.push(`${r.status()} ${r.url()}`);
      });
      const loaded = await page.goto(home.href);
      assert.equal(loaded?.status(), 200);
      assert.equal(await page.textContent('h1'), 'Hello from Gin v2');
      await waitFor('the page opened its event stream through code-server', () => streams.length > 0, 15_000);
      assert.match(streams[0], new RegExp(`^200 http://127\\.0\\.0\\.1:\\d+/proxy/${proxyPort}/__gopher_reload/events$`), streams[0]);
      // A mark that only a reload of the page removes: nothing here navigates it.
      await page.evaluate('window.mark = 1');

      await editAndSave(message, 'Hello from Gin v2', 'Hello from Gin v3');
      await page.waitForFunction("document.querySelector('h1')?.textContent === 'Hello from Gin v3'", undefined, { timeout: 120_000 });
      assert.equal(await page.evaluate('window.mark'), undefined, 'the page reloaded itself');
      assert.equal(page.url(), home.href, 'at the forwarded URL still');

      await editAndSave(message, '"Hello from Gin v3"', '"Hello from Gin v4" + undefinedThing');
      await page.waitForSelector('[data-gopher-reload-overlay]', { timeout: 120_000 });
      assert.match((await page.textContent('[data-gopher-reload-overlay]')) ?? '', /undefined: undefinedThing/);
      assert.equal(await page.textContent('h1'), 'Hello from Gin v3', 'the page under the overlay is the previous build');

      await editAndSave(message, '"Hello from Gin v4" + undefinedThing', '"Hello from Gin v4"');
      await page.waitForFunction("document.querySelector('h1')?.textContent === 'Hello from Gin v4'", undefined, { timeout: 120_000 });
      assert.equal(await page.$('[data-gopher-reload-overlay]'), null, 'the fix removed the overlay');
    } finally {
      await browser.close();
      fs.rmSync(profile, { recursive: true, force: true });
    }
  });
});
