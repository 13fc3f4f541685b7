import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/core/run/ports';
import type { EngineState } from '../../src/core/engine/state';
import { runCli } from '../support/cliRun';
import { body, copyFixture, edit, harness, processesUnder, waitUntil } from '../support/helpers';
import { record } from './record';

/** One request through the proxy; never throws (status 0 on a socket error). */
function request(port: number, accept: string, host?: string): Promise<{ status: number; body: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { accept, ...(host && { host }) }, agent: false, timeout: 15_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, ms: Math.round(performance.now() - t0) }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: '', ms: Math.round(performance.now() - t0) }));
  });
}

/** States with the time each arrived. */
function timeline(h: { engine: { onState(f: (s: EngineState) => void): unknown } }): { s: EngineState; at: number }[] {
  const seen: { s: EngineState; at: number }[] = [];
  h.engine.onState((s) => seen.push({ s, at: performance.now() }));
  return seen;
}

/**
 * An app that ignores $PORT behind the proxy (Gin's `r.Run(":8080")`): the engine sees its own
 * sockets, so within a couple of seconds it says where the app listens, which PORT it was given,
 * and the two fixes, in the status, the CLI, and the proxy's page; not "not ready" after 30 s.
 * test/fixtures/ignoresport listens on IGNORESPORT_ADDR (a free port standing in for :8080).
 */
describe('faults: an app that ignores $PORT behind the proxy', function () {
  it('says "listens on :N but Gopher Reload gave it PORT=M" within ~3 s, the page says the same, the app stays reachable, and a fix is served', async () => {
    const [proxyPort, fixed] = [await freePort(), await freePort()];
    const h = await harness('ignoresport', { proxyPort, env: { IGNORESPORT_ADDR: `127.0.0.1:${fixed}` } });
    const seen = timeline(h);
    h.engine.start();
    const unready = await waitUntil('the unready state', () => seen.find((e) => e.s.kind === 'unready'), 90_000);
    const starting = seen.find((e) => e.s.kind === 'starting')!;
    const saidMs = Math.round(unready.at - starting.at);
    const appPort = (starting.s as Extract<EngineState, { kind: 'starting' }>).appPort!;
    assert.ok(appPort && appPort !== fixed && appPort !== proxyPort, `the app was given a port of its own: ${appPort}`);
    const message = (unready.s as Extract<EngineState, { kind: 'unready' }>).message;
    assert.ok(message.includes(`listens on :${fixed} but Gopher Reload gave it PORT=${appPort}`), message);
    assert.ok(message.includes(`Make it read PORT`), message);
    assert.ok(message.includes(`set gopherReload.port to ${fixed} and browse to the proxy on :${proxyPort}`), message);
    assert.ok(saidMs < 3000, `said ${saidMs} ms after the server started (startupTimeoutMs is 30 s)`);

    // The proxy answers at once with the same words (not a 503 "check the output" after proxyHoldMs).
    const page = await request(proxyPort, 'text/html');
    const text = await request(proxyPort, 'application/json');
    for (const r of [page, text]) {
      assert.equal(r.status, 503);
      assert.ok(r.body.includes(`listens on :${fixed} but Gopher Reload gave it PORT=${appPort}`), r.body);
      assert.ok(r.body.includes(`set gopherReload.port to ${fixed}`), r.body);
      assert.ok(r.ms < 2000, `answered in ${r.ms} ms`);
    }
    assert.equal(await body(fixed), 'ignoresport v1', 'the server keeps running where it listens');

    // The user makes it read PORT: served through the proxy.
    const from = seen.length;
    const main = path.join(h.dir, 'main.go');
    edit(main, 'addr := os.Getenv("IGNORESPORT_ADDR")', 'addr := ":" + os.Getenv("PORT")');
    h.engine.fileChanged(main);
    await waitUntil('served through the proxy', async () => (await request(proxyPort, '*/*')).body === 'ignoresport v1', 90_000);
    assert.ok(
      seen.slice(from).some((e) => e.s.kind === 'running'),
      seen
        .slice(from)
        .map((e) => e.s.kind)
        .join(' → '),
    );
    await h.dispose();
    assert.deepEqual(processesUnder(h.dir), []);
    record({
      group: 'Bad input',
      test: 'An app that ignores $PORT behind the proxy (listens on a fixed port)',
      figure: `said where it listens and which PORT it was given ${saidMs} ms after it started (startupTimeoutMs 30 s); the proxy answered with the same words in ${page.ms} ms`,
    });
  });

  it('a side port first and the given one later: "unready" for a moment, then running and served', async () => {
    const [proxyPort, side] = [await freePort(), await freePort()];
    const h = await harness('ignoresport', { proxyPort, env: { IGNORESPORT_ADDR: `127.0.0.1:${side}`, IGNORESPORT_THEN_PORT_MS: '2500' } });
    const seen = timeline(h);
    h.engine.start();
    await waitUntil('running', () => seen.find((e) => e.s.kind === 'running'), 90_000);
    const kinds = seen.map((e) => e.s.kind);
    assert.ok(kinds.indexOf('unready') < kinds.indexOf('running'), kinds.join(' → '));
    assert.equal((await request(proxyPort, '*/*')).body, 'ignoresport v1');
    assert.equal(h.engine.state.kind, 'running');
    await h.dispose();
  });

  it("an app that insists on the proxy's own port: says so, never blames the proxy's pid, and is not restarted in a loop", async () => {
    const proxyPort = await freePort();
    const h = await harness('ignoresport', { proxyPort, env: { IGNORESPORT_ADDR: `:${proxyPort}` } });
    const seen = timeline(h);
    h.engine.start();
    const err = await waitUntil('the error state', () => seen.find((e) => e.s.kind === 'error' || e.s.kind === 'unready'), 90_000);
    const starting = seen.find((e) => e.s.kind === 'starting')!;
    const appPort = (starting.s as Extract<EngineState, { kind: 'starting' }>).appPort!;
    if (err.s.kind === 'error') {
      // Linux: the app cannot bind the port the proxy holds, and exits.
      assert.ok(err.s.message.includes(`tried to listen on :${proxyPort}, the proxy's own port`), err.s.message);
      assert.ok(err.s.message.includes(`PORT=${appPort}`), err.s.message);
      assert.ok(err.s.hint.includes(`set gopherReload.port to ${proxyPort} and gopherReload.proxyPort to another port`), err.s.hint);
      assert.ok(!`${err.s.message} ${err.s.hint}`.includes(`pid ${process.pid}`), 'the proxy (this process) is not named as the holder to stop');
      const page = await request(proxyPort, 'text/plain');
      assert.ok(page.body.includes("the proxy's own port"), page.body);
    } else {
      // Systems that let both bind it: the app listens "elsewhere", on the proxy's port.
      const said = (err.s as Extract<EngineState, { kind: 'unready' }>).message;
      assert.ok(said.includes(`and gopherReload.proxyPort to another port`), said);
    }
    await sleep(1500);
    assert.equal(seen.filter((e) => e.s.kind === 'starting').length, 1, seen.map((e) => e.s.kind).join(' → '));
    await h.dispose();
  });

  it("the CLI says it in the CLI's words (--port), on the terminal and on the proxy's page (also to a host allowed with --proxy-allowed-host)", async () => {
    const dir = copyFixture('ignoresport');
    const [proxyPort, fixed] = [await freePort(), await freePort()];
    const cli = runCli([dir, '--proxy-port', String(proxyPort), '--proxy-allowed-host', 'my-box.example.com'], { IGNORESPORT_ADDR: `127.0.0.1:${fixed}` });
    let page: { status: number; body: string } | undefined;
    let remote: { status: number; body: string } | undefined;
    let other: { status: number; body: string } | undefined;
    try {
      await waitUntil('the message', () => /listens on :\d+ but Gopher Reload gave it PORT=\d+/.test(cli.out()), 90_000);
      page = await request(proxyPort, 'text/plain');
      remote = await request(proxyPort, 'text/plain', 'my-box.example.com:8443');
      other = await request(proxyPort, 'text/plain', 'evil.example');
    } finally {
      await cli.stop();
    }
    const out = cli.out();
    assert.match(out, new RegExp(`listens on :${fixed} but Gopher Reload gave it PORT=\\d+.*set --port to ${fixed} and browse to the proxy on :${proxyPort}`));
    assert.doesNotMatch(out, /gopherReload\./);
    assert.equal(page.status, 503);
    assert.ok(page.body.includes(`set --port to ${fixed}`), page.body);
    assert.doesNotMatch(page.body, /gopherReload\./);
    assert.equal(remote.status, 503);
    assert.equal(remote.body, page.body, 'the allowed host sees the same page');
    assert.equal(other.status, 403, 'a host nobody allowed does not');
    assert.match(other.body, /--proxy-allowed-host/, 'the refusal names the CLI flag');
    assert.doesNotMatch(other.body, /gopherReload\./);
    assert.ok(!other.body.includes(`:${fixed}`), other.body);
    assert.deepEqual(processesUnder(dir), []);
  });
});
