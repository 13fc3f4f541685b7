import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import * as path from 'node:path';
import { freePort, isPortFree } from '../../src/core/run/ports';
import { resolveConfig } from '../../src/core/config/config';
import { isAlive } from '../../src/core/run/processTree';
import { body, edit, get, harness, waitState, waitUntil } from '../support/helpers';

/** Process lifecycle with real processes: stubborn servers, crashes, slow starts, busy ports. */
describe('engine: process supervision', function () {
  it('reloads and stops a server that ignores SIGINT and has a child holding the port', async function () {
    if (process.platform === 'win32') this.skip();
    const h = await harness('stubborn', { killDelayMs: 300, port: undefined });
    h.engine.start();
    const first = await waitState(h, 'running');
    const oldTree = h.engine.serverPids();
    assert.ok(oldTree.length >= 2, `parent and child are tracked: ${oldTree}`);

    const from = h.states.length;
    edit(path.join(h.dir, 'main.go'), 'message = "stubborn v1"', 'message = "stubborn v2"');
    h.engine.fileChanged(path.join(h.dir, 'main.go'));
    const second = await waitState(h, 'running', 90_000, from);
    assert.notEqual(second.pid, first.pid);
    assert.deepEqual(oldTree.filter(isAlive), [], 'the old parent and its child are gone');
    assert.ok(h.engine.state.kind === 'running' && (h.engine.state.timings.stopMs ?? 0) >= 300, 'waited the kill delay, then killed');
    for (let i = 0; i < 4; i++) assert.equal(await body(h.port), 'stubborn v2', 'every answer is the new code');
    assert.ok(!h.output().includes('address already in use'));

    const tree = h.engine.serverPids();
    await h.engine.stop();
    assert.deepEqual(tree.filter(isAlive), []);
    assert.equal(await isPortFree(h.port), true);
  });

  it('says once per run, visibly, that a slow graceful shutdown was cut off, naming the setting', async function () {
    if (process.platform === 'win32') this.skip();
    const h = await harness('portswitch', { killDelayMs: 300, env: { SHUTDOWN_MS: '3000' } });
    h.engine.start();
    await waitState(h, 'running');
    const notice = /did not exit within 300 ms of SIGINT, so its process tree was killed[^\n]*gopherReload\.killDelayMs/g;
    for (const v of ['v2', 'v3']) {
      const from = h.states.length;
      edit(path.join(h.dir, 'main.go'), /portswitch v\d/, `portswitch ${v}`);
      h.engine.fileChanged(path.join(h.dir, 'main.go'));
      await waitState(h, 'running', 90_000, from);
      assert.equal(await body(h.port), `portswitch ${v}`);
    }
    assert.equal(h.output().match(notice)?.length, 1, `one notice across two reloads:\n${h.output()}`);
    // A new run (stop, start) says it again: someone may have raised the setting meanwhile.
    await h.engine.stop();
    h.engine.start();
    await waitState(h, 'running');
    const from = h.states.length;
    edit(path.join(h.dir, 'main.go'), /portswitch v\d/, 'portswitch v4');
    h.engine.fileChanged(path.join(h.dir, 'main.go'));
    await waitState(h, 'running', 90_000, from);
    assert.equal(h.output().match(notice)?.length, 2);
  });

  it('reports a crash with exit code and output, and backs off instead of spinning', async () => {
    const h = await harness('crash');
    h.engine.start();
    const first = await waitState(h, 'crashed');
    assert.equal(first.exitCode, 3);
    assert.ok(
      first.lastOutput.some((l) => l.includes('config missing')),
      first.lastOutput.join('\n'),
    );
    assert.equal(first.crashCount, 1);
    assert.equal(first.retryInMs, 500);
    // Three restarts with growing delays (0.5, 1, 2 s), then it waits for the user.
    await waitUntil('4 crashes', () => h.states.filter((s) => s.kind === 'crashed').length >= 4, 15_000);
    const crashes = h.states.filter((s) => s.kind === 'crashed') as Extract<(typeof h.states)[number], { kind: 'crashed' }>[];
    assert.deepEqual(
      crashes.map((c) => c.retryInMs),
      [500, 1000, 2000, undefined],
    );
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(h.states.filter((s) => s.kind === 'crashed').length, 4, 'no restart after the limit');
  });

  it('waits for a health URL before calling the server ready', async () => {
    const h0 = await harness('slow');
    const healthUrl = `http://127.0.0.1:${h0.port}/healthz`;
    await h0.dispose();
    const h = await harness('slow', { healthUrl, env: { PORT: String(h0.port), SLOW_START_MS: '300', SLOW_HEALTH_MS: '700' } }, h0.dir);
    h.engine.start();
    const s = await waitState(h, 'running');
    assert.equal((await get(h0.port, '/healthz')).status, 200, 'ready only once healthy');
    assert.ok(s.timings.startToReadyMs! >= 1000, `start to ready ${s.timings.startToReadyMs} ms covers start + health delay`);
  });

  it('says a server is not ready after the startup timeout, with its last output', async () => {
    const h = await harness('slow', { startupTimeoutMs: 500, env: { SLOW_START_MS: '5000' } });
    h.engine.start();
    const s = await waitState(h, 'unready');
    assert.match(s.message, /not ready after/);
    assert.match(s.message, /gopherReload\.port/);
  });

  it('a configured port the server moved away from: says where it listens and what to set', async () => {
    const h0 = await harness('portswitch');
    const configured = await freePort();
    const h = await harness('portswitch', { port: configured, startupTimeoutMs: 1500, env: { PORT: String(h0.port) } }, h0.dir);
    h.engine.start();
    const s = await waitState(h, 'unready');
    assert.match(s.message, new RegExp(`listens on :${h0.port}, not on :${configured}`));
    assert.match(s.message, new RegExp(`Set gopherReload\\.port to ${h0.port}, or clear it`));
  });

  it('names the process holding the port and leaves it alone', async () => {
    const blocker = net.createServer().listen(0);
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const h = await harness('nethttp', { port, env: { PORT: String(port) } });
      h.engine.start();
      const s = await waitState(h, 'error');
      assert.match(s.message, new RegExp(`Port ${port} is in use by pid ${process.pid} \\(node`));
      assert.match(s.hint, /did not touch/);
      assert.equal(blocker.listening, true, 'the other process still holds its port');
    } finally {
      blocker.close();
    }
  });

  it('explains a missing Go toolchain, and recovers on the next save once it is back', async () => {
    const h = await harness('nethttp', { env: { PATH: '/nonexistent' } });
    // Go at a default location would still be found (GoToolchain): name a go that is nowhere.
    h.engine.reconfigure({ ...h.engine.configuration, goAlternateTool: 'go-nowhere-to-be-found' }, false);
    h.engine.start();
    const s = await waitState(h, 'error');
    assert.match(s.message, /Go toolchain was not found/);
    assert.match(s.hint, /go\.dev\/dl/);
    // Every place looked is named: PATH's folder, the default install locations.
    assert.match(s.hint, /\/nonexistent\/go-nowhere-to-be-found/);
    assert.match(s.hint, /\/usr\/local\/go\/bin\/go-nowhere-to-be-found/);

    const { config } = resolveConfig(h.dir, { killDelayMs: 500, env: { PORT: String(h.port) } });
    h.engine.reconfigure(config, false);
    const from = h.states.length;
    edit(path.join(h.dir, 'main.go'), 'message = "nethttp v1"', 'message = "nethttp v2"');
    h.engine.fileChanged(path.join(h.dir, 'main.go'));
    await waitState(h, 'running', 90_000, from);
    assert.equal(await body(h.port), 'nethttp v2');
  });

  it('explains a build command that does not exist', async () => {
    const h = await harness('nethttp', { buildCommand: ['definitely-not-a-build-tool', 'x'] });
    h.engine.start();
    const s = await waitState(h, 'error');
    assert.match(s.message, /"definitely-not-a-build-tool" was not found/);
  });
});
