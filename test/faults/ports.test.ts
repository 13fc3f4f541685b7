import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { freePort, isPortFree } from '../../src/core/run/ports';
import type { EngineState } from '../../src/core/engine/state';
import { body, copyFixture, edit, harness, waitState, waitUntil, type Harness } from '../support/helpers';
import { record } from './record';

const save = (h: Harness, from: string | RegExp, to: string) => {
  edit(path.join(h.dir, 'main.go'), from, to);
  h.engine.fileChanged(path.join(h.dir, 'main.go'));
};
const running = (s: EngineState | undefined) => (s?.kind === 'running' ? s : undefined);

/** A local process holding a port, as an unrelated Postgres or Vue dev server would. */
async function holdPort(port = 0): Promise<{ port: number; close: () => Promise<void> }> {
  const srv = net.createServer((c) => c.end()).listen(port);
  await new Promise((r, j) => srv.once('listening', r).once('error', j));
  return { port: (srv.address() as net.AddressInfo).port, close: () => new Promise((r) => srv.close(() => r())) };
}

/** Servers that move, never listen, lie in their logs, or find their port taken: the port is always the one they really hold. */
describe('faults: ports', function () {
  it('a server that changes its port: found afresh, served on the new port, and the save after works too', async () => {
    const h = await harness('portswitch');
    h.engine.start();
    await waitState(h, 'running');
    const moved = await freePort();
    const t0 = Date.now();
    let from = h.states.length;
    save(h, /const message = "portswitch v1"\nconst override = ""/, `const message = "portswitch v2"\nconst override = "${moved}"`);
    await waitUntil('v2 on the new port', async () => (await body(moved)) === 'portswitch v2', 20_000);
    const servedMs = Date.now() - t0;
    const st = await waitState(h, 'running', 10_000, from);
    assert.equal(st.port, moved, 'the running state names the new port');
    assert.equal(h.engine.port, moved);
    assert.equal(await isPortFree(h.port), true, 'the old port was released');
    from = h.states.length;
    const t1 = Date.now();
    save(h, 'portswitch v2', 'portswitch v3');
    await waitUntil('v3 on the new port', async () => (await body(moved)) === 'portswitch v3', 20_000);
    const nextMs = Date.now() - t1;
    assert.equal((await waitState(h, 'running', 10_000, from)).port, moved);
    assert.ok(!h.states.some((s) => s.kind === 'unready' || s.kind === 'error'), h.states.map((s) => s.kind).join(' → '));
    record({
      group: 'Load and faults',
      test: 'A server that changes its port (:A → :B in code)',
      figure: `new code served on :B ${servedMs} ms after the save, status names :B; the next save served in ${nextMs} ms`,
    });
  });

  it('a worker that never listens: running (no port), and a save is served at once', async () => {
    const dir = copyFixture('worker');
    const out = path.join(dir, 'version.txt');
    const h = await harness('worker', { env: { WORKER_OUT: out } }, dir);
    const t0 = Date.now();
    h.engine.start();
    const first = await waitState(h, 'running', 60_000);
    const startMs = Date.now() - t0;
    assert.equal(first.noPort, true);
    assert.equal(first.port, undefined);
    assert.equal(fs.readFileSync(out, 'utf8'), 'worker v1');
    const from = h.states.length;
    const t1 = Date.now();
    save(h, 'worker v1', 'worker v2');
    await waitUntil('worker v2 runs', () => fs.readFileSync(out, 'utf8') === 'worker v2', 10_000);
    const servedMs = Date.now() - t1;
    assert.ok(servedMs < 2000, `the save ran after ${servedMs} ms`);
    const st = await waitState(h, 'running', 10_000, from);
    assert.equal(st.noPort, true);
    assert.ok(!h.states.some((s) => s.kind === 'unready' || s.kind === 'error'), h.states.map((s) => s.kind).join(' → '));
    record({
      group: 'Load and faults',
      test: 'A worker that never listens on TCP',
      figure: `"running (no port)" ${startMs} ms after start; a save ran the new code ${servedMs} ms later`,
    });
  });

  it('a save during a readiness wait is built at once, not after startupTimeoutMs', async () => {
    // readyPattern that never appears: before, the engine's loop waited 30 s before building the save.
    const h = await harness('portswitch', { readyPattern: 'never printed', startupTimeoutMs: 30_000 });
    h.engine.start();
    await waitState(h, 'starting');
    const t0 = Date.now();
    save(h, 'portswitch v1', 'portswitch v2');
    await waitUntil('v2 served', async () => (await body(h.port)) === 'portswitch v2', 25_000);
    const servedMs = Date.now() - t0;
    assert.ok(servedMs < 10_000, `served after ${servedMs} ms`);
    assert.ok(!h.states.some((s) => s.kind === 'unready'), h.states.map((s) => s.kind).join(' → '));
    record({
      group: 'Load and faults',
      test: 'A save while the server is still not ready (startupTimeoutMs 30 s)',
      figure: `the save was built at once and served ${servedMs} ms later`,
    });
  });

  it('a worker that starts listening late: the state moves from "no port" to its port', async () => {
    const h = await harness('worker', { env: { WORKER_LISTEN_AFTER_MS: '2500' } });
    h.engine.start();
    const first = await waitState(h, 'running', 60_000);
    assert.equal(first.noPort, true);
    const later = await waitUntil('running on its port', () => h.states.map(running).find((s) => s?.port === h.port), 15_000);
    assert.equal(later.noPort, undefined);
    assert.equal(await body(h.port), 'worker v1');
    // It listened late once: the next start waits long enough for it instead of flickering through "no port".
    const from = h.states.length;
    save(h, 'worker v1', 'worker v2');
    const next = await waitState(h, 'running', 60_000, from);
    assert.equal(next.port, h.port);
    assert.equal(next.noPort, undefined);
    assert.equal(await body(h.port), 'worker v2');
  });

  it('a late listener never hides a later state (a failed build stays on screen)', async () => {
    const h = await harness('worker', { env: { WORKER_LISTEN_AFTER_MS: '3500' } });
    h.engine.start();
    assert.equal((await waitState(h, 'running', 60_000)).noPort, true);
    const from = h.states.length;
    save(h, 'const version = "worker v1"', 'const version = worker v2 broken');
    await waitState(h, 'build-failed', 60_000, from);
    await waitUntil('the old worker listens', async () => (await body(h.port)) === 'worker v1', 15_000);
    await waitUntil('its port is known', () => h.engine.port === h.port, 2000);
    assert.equal(
      h.engine.state.kind,
      'build-failed',
      h.states
        .slice(from)
        .map((s) => s.kind)
        .join(' → '),
    );
  });

  it('a log line naming another local process port: that process is never taken for the server, nor named', async () => {
    const other = await holdPort();
    try {
      const h = await harness('liar', { env: { LIAR_LINES: `config: auth service at http://localhost:${other.port}/\nlistening for jobs since 12:30` } });
      h.engine.start();
      const st = await waitState(h, 'running');
      assert.equal(st.port, h.port, `the app's own port, not ${other.port}`);
      const from = h.states.length;
      const t0 = Date.now();
      save(h, 'liar v1', 'liar v2');
      await waitUntil('v2', async () => (await body(h.port)) === 'liar v2', 20_000);
      const nextMs = Date.now() - t0;
      assert.equal((await waitState(h, 'running', 10_000, from)).port, h.port);
      const said = h.output() + JSON.stringify(h.states);
      assert.ok(!said.includes(`kill ${process.pid}`) && !said.includes(`Port ${other.port}`), 'the other process is never named');
      assert.ok(!h.states.some((s) => s.kind === 'unready' || s.kind === 'error'));
      record({
        group: 'Bad input',
        test: 'A log line naming another local service (http://localhost:<its port>/)',
        figure: `status named the app's own port; next save served in ${nextMs} ms; the other process never named`,
      });
    } finally {
      await other.close();
    }
  });

  it('a banner naming a front-end URL whose port another process opens later: the next save still works', async () => {
    // gin-vue-admin's banner names its Vue front-end on :8080 while the backend listens on :8888;
    // when the Vue dev server really listened on 8080, the next save stopped the backend for good.
    const frontPort = await freePort();
    const h = await harness('liar', { env: { LIAR_LINES: `Welcome! front-end: http://127.0.0.1:${frontPort}\nserver listening on :${frontPort}` } });
    h.engine.start();
    assert.equal((await waitState(h, 'running')).port, h.port);
    const front = await holdPort(frontPort);
    try {
      const from = h.states.length;
      const t0 = Date.now();
      save(h, 'liar v1', 'liar v2');
      await waitUntil('v2', async () => (await body(h.port)) === 'liar v2', 20_000);
      const nextMs = Date.now() - t0;
      assert.equal((await waitState(h, 'running', 10_000, from)).port, h.port);
      assert.ok(!h.states.some((s) => s.kind === 'error' || s.kind === 'unready'), h.states.map((s) => s.kind).join(' → '));
      assert.ok(!h.output().includes(`kill ${process.pid}`));
      record({
        group: 'Bad input',
        test: 'A startup banner naming the front-end port, which another process then opens',
        figure: `backend stayed on its own port; the next save served in ${nextMs} ms; nothing asked to kill the front-end`,
      });
    } finally {
      await front.close();
    }
  });

  it('"Listening and serving HTTP on :9999" from an app that listens elsewhere: ready on its real port', async () => {
    const h = await harness('liar', { env: { LIAR_LINES: '[GIN-debug] Listening and serving HTTP on :9999' } });
    h.engine.start();
    const st = await waitState(h, 'running');
    assert.equal(st.port, h.port);
    assert.equal(await body(h.port), 'liar v1');
    record({
      group: 'Bad input',
      test: 'A log line claiming a port the app does not listen on',
      figure: `ready on its real port in ${st.timings.startToReadyMs} ms`,
    });
  });

  it('several listeners and no log line: the HTTP port, not the lower metrics port', async () => {
    const [metrics, app] = [await freePort(), await freePort()].sort((a, b) => a - b);
    const h = await harness('liar', { env: { PORT: String(app), METRICS_PORT: String(metrics) } });
    h.engine.start();
    const st = await waitState(h, 'running');
    assert.equal(st.port, app, `metrics on :${metrics}, app on :${app}`);
    const from = h.states.length;
    save(h, 'liar v1', 'liar v2');
    assert.equal((await waitState(h, 'running', 60_000, from)).port, app);
    assert.equal(await body(app), 'liar v2');
    record({
      group: 'Load and faults',
      test: 'Several listeners (a metrics port below the HTTP port)',
      figure: `the HTTP port chosen, ready in ${st.timings.startToReadyMs} ms`,
    });
  });

  it('a server whose port is taken: an error naming the holder (never "crashed"), and a save recovers once it is free', async () => {
    const holder = await holdPort();
    let released = false;
    try {
      const h = await harness('portswitch', { env: { PORT: String(holder.port) } });
      h.engine.start();
      const err = await waitState(h, 'error');
      assert.match(err.message, new RegExp(`^Port ${holder.port} is in use by pid ${process.pid} \\(node`));
      assert.match(err.hint, new RegExp(`kill ${process.pid}`));
      await new Promise((r) => setTimeout(r, 1500)); // no crash-loop restart into the same wall
      assert.ok(!h.states.some((s) => s.kind === 'crashed' || s.kind === 'stopped'), h.states.map((s) => s.kind).join(' → '));
      await holder.close();
      released = true;
      const from = h.states.length;
      const t0 = Date.now();
      save(h, 'portswitch v1', 'portswitch v2');
      await waitUntil('v2', async () => (await body(holder.port)) === 'portswitch v2', 20_000);
      assert.equal((await waitState(h, 'running', 10_000, from)).port, holder.port);
      // Some servers print the error and exit with code 0: the same report, not "stopped".
      const zero = await holdPort();
      try {
        const z = await harness('portswitch', { env: { PORT: String(zero.port), EXIT_ZERO: '1' } });
        z.engine.start();
        assert.match((await waitState(z, 'error')).message, new RegExp(`^Port ${zero.port} is in use by pid ${process.pid}`));
        assert.ok(!z.states.some((s) => s.kind === 'stopped' || s.kind === 'crashed'), z.states.map((s) => s.kind).join(' → '));
      } finally {
        await zero.close();
      }
      record({
        group: 'Load and faults',
        test: 'The server cannot bind its port (taken by another process)',
        figure: `"${err.message.replace(String(process.pid), '<pid>')}"; no restart loop; after it was freed the next save served in ${Date.now() - t0} ms`,
      });
    } finally {
      if (!released) await holder.close();
    }
  });
});

describe('faults: ports (found by attacking the engine)', function () {
  it('a metrics listener that opens before the port in PORT: the PORT one is the server port once it opens', async () => {
    const { TEST_TMP } = await import('../support/helpers');
    const dir = fs.mkdtempSync(path.join(TEST_TMP + path.sep, 'metricsfirst-'));
    fs.writeFileSync(path.join(dir, 'go.mod'), 'module example.com/metricsfirst\n\ngo 1.22\n');
    fs.writeFileSync(
      path.join(dir, 'main.go'),
      `package main

import (
	"fmt"
	"net/http"
	"os"
	"time"
)

func main() {
	metrics := http.NewServeMux()
	metrics.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "metrics") })
	go http.ListenAndServe("127.0.0.1:"+os.Getenv("METRICS_PORT"), metrics)
	time.Sleep(1500 * time.Millisecond) // opens its database first
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "app") })
	_ = http.ListenAndServe(":"+os.Getenv("PORT"), nil)
}
`,
    );
    const metrics = await freePort();
    const h = await harness('', { env: { METRICS_PORT: String(metrics) } }, dir);
    const t0 = Date.now();
    h.engine.start();
    await waitUntil(
      'running on the PORT port',
      () => h.states.find((x): x is Extract<EngineState, { kind: 'running' }> => x.kind === 'running' && x.port === h.port),
      60_000,
    );
    assert.equal(await body(h.port), 'app');
    assert.equal(h.engine.port, h.port);
    record({
      group: 'Bad input',
      test: 'A metrics port that opens 1.5 s before the port the server was given in PORT',
      figure: `the status named the PORT port ${Date.now() - t0} ms after start (build included), and the metrics port was not kept`,
    });
  });
});
