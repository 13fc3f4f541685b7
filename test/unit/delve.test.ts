import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import { freePort } from '../../src/core/run/ports';
import { findDlv, type DebugTarget } from '../../src/core';
import { DapClient } from '../support/dap';
import { body, copyFixture, edit, get, harness, processesUnder, repoRoot, TEST_TMP, waitState, waitUntil, type Harness } from '../support/helpers';

/*
 * gopherReload.debug against the real Delve: every generation under its own headless dlv, on one
 * port; a DAP client attached the way VS Code attaches (mode "remote"). Needs dlv (the CI installs
 * it); without it these tests fail, they do not skip: debugging is part of the product.
 */

const HANDLER_LINE = 25; // fmt.Fprint(w, message) in test/fixtures/nethttp/main.go

/** A save: the file written, and the watcher's report (these tests run no watcher). */
function save(h: Harness, from: string, to: string): void {
  edit(path.join(h.dir, 'main.go'), from, to);
  h.engine.fileChanged(path.join(h.dir, 'main.go'));
}

/** Started under Delve and running, with a client attached that has a breakpoint in the handler. */
async function runningWithBreakpoint(h: Harness): Promise<{ t1: DebugTarget; dap: DapClient }> {
  h.engine.start();
  await waitState(h, 'running', 180_000);
  const t1 = await target(h);
  const dap = new DapClient();
  await dap.connect(t1.port);
  await dap.attachRemote([{ file: path.join(h.dir, 'main.go'), line: HANDLER_LINE }]);
  return { t1, dap };
}

async function target(h: Harness, pred: (t: DebugTarget) => boolean = () => true): Promise<DebugTarget> {
  return waitUntil('a debug target', () => {
    const t = h.engine.debugTarget;
    return t && t.pid !== undefined && pred(t) ? t : undefined;
  });
}

describe('debugging across reloads (real Delve)', function () {
  this.timeout(240_000);

  before(async function () {
    assert.ok(await findDlv(), 'dlv is needed: go install github.com/go-delve/delve/cmd/dlv@latest');
  });

  it('serves every save from a new Delve on the same port, and the app port is never Delve’s', async () => {
    const h = await harness('nethttp', { debug: true });
    h.engine.start();
    const running = await waitState(h, 'running', 180_000);
    assert.equal(running.port, h.port, 'the app’s own port, not Delve’s');
    const t1 = await target(h);
    assert.notEqual(t1.port, h.port);
    assert.equal(await body(h.port), 'nethttp v1');
    const dlvCmd = fs.readFileSync(`/proc/${t1.dlvPid}/cmdline`, 'utf8').split('\0');
    assert.ok(dlvCmd.includes('--headless') && dlvCmd.includes('--accept-multiclient'), dlvCmd.join(' '));
    // The build is a debug build: DWARF kept, no optimisation (Delve stops on the right lines below).
    save(h, 'nethttp v1', 'nethttp v2');
    await waitUntil('v2 served', async () => (await body(h.port)) === 'nethttp v2');
    const t2 = await target(h, (t) => t.generation === 2);
    assert.equal(t2.port, t1.port, 'one address for the whole run');
    assert.notEqual(t2.dlvPid, t1.dlvPid);
    assert.notEqual(t2.pid, t1.pid);
    assert.ok(!fs.existsSync(`/proc/${t1.dlvPid}`) || fs.readFileSync(`/proc/${t1.dlvPid}/stat`, 'utf8').includes(') Z'), 'the old Delve is gone');
    await h.dispose();
    assert.equal(h.engine.debugTarget, undefined);
    assert.deepEqual(processesUnder(h.dir), [], 'no dlv (its argv names the binary) and no server left');
  });

  it('stops at a breakpoint in a client, is never called unready while paused, and a save while paused reloads at once', async () => {
    // A long kill delay: a paused program cannot take the stop signal, so waiting for it would cost all of it.
    const h = await harness('nethttp', { debug: true, killDelayMs: 8000, startupTimeoutMs: 4000 });
    const { t1, dap } = await runningWithBreakpoint(h);
    const stopped = dap.nextEvent('stopped');
    const held = get(h.port, '/').catch((e: Error) => ({ status: 0, body: e.message }));
    const ev = await stopped;
    const top = await dap.topFrame(ev.body!.threadId as number);
    assert.equal(top.file, path.join(h.dir, 'main.go'));
    assert.equal(top.line, HANDLER_LINE);
    h.engine.debugPaused(t1.generation, { reason: 'breakpoint', file: top.file, line: top.line });
    assert.equal(h.engine.debugTarget?.paused?.line, HANDLER_LINE);
    // Paused longer than startupTimeoutMs: still running, not unready.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(h.engine.state.kind, 'running');
    const from = h.states.length;
    save(h, 'nethttp v1', 'nethttp v2');
    const again = await waitState(h, 'running', 60_000, from);
    assert.ok((again.timings.stopMs ?? 0) < 8000, `the paused server was killed at once, not after the kill delay (stop took ${again.timings.stopMs} ms)`);
    assert.equal(await body(h.port), 'nethttp v2');
    const answer = await held;
    assert.notEqual(answer.body, 'nethttp v1', 'the held request was cut by the stop, never answered by the old code after it');
    const t2 = await target(h, (t) => t.generation === 2);
    assert.equal(t2.paused, undefined);
    dap.close();
    await h.dispose();
    assert.deepEqual(processesUnder(h.dir), [], 'no dlv (its argv names the binary) and no server left');
  });

  it('lets the client attach before the server counts as ready, so the first request stops at a breakpoint', async () => {
    const h = await harness('nethttp', { debug: true });
    const attached: number[] = [];
    const clients: DapClient[] = [];
    h.engine.setDebugClient({
      async attach(t) {
        const c = new DapClient();
        clients.push(c);
        await c.connect(t.port);
        await c.attachRemote([{ file: path.join(h.dir, 'main.go'), line: HANDLER_LINE }]);
        attached.push(t.generation);
        assert.equal(h.engine.state.kind, 'starting', 'attached before ready');
      },
    });
    h.engine.start();
    await waitState(h, 'running', 180_000);
    assert.deepEqual(attached, [1]);
    const stopped = clients[0].nextEvent('stopped');
    const pending = get(h.port, '/');
    const ev = await stopped;
    await clients[0].request('continue', { threadId: ev.body!.threadId });
    assert.equal((await pending).body, 'nethttp v1');
    save(h, 'nethttp v1', 'nethttp v2');
    await waitUntil('generation 2 attached', () => attached.length === 2);
    const stopped2 = clients[1].nextEvent('stopped');
    const pending2 = get(h.port, '/');
    const ev2 = await stopped2;
    const top = await clients[1].topFrame(ev2.body!.threadId as number);
    assert.equal(top.line, HANDLER_LINE, 'the same breakpoint in the new process');
    await clients[1].request('continue', { threadId: ev2.body!.threadId });
    assert.equal((await pending2).body, 'nethttp v2');
    for (const c of clients) c.close();
    await h.dispose();
    assert.deepEqual(processesUnder(h.dir), [], 'no dlv (its argv names the binary) and no server left');
  });

  it('behind the proxy, a GET held at a breakpoint when you save is answered by the new code, without waiting for the drain', async () => {
    const proxyPort = await freePort();
    const h = await harness('nethttp', { debug: true, proxyPort });
    const { dap } = await runningWithBreakpoint(h);
    const stopped = dap.nextEvent('stopped');
    const held = get(proxyPort, '/held').catch((e: Error) => ({ status: 0, body: e.message }));
    await stopped;
    const from = h.states.length;
    save(h, 'nethttp v1', 'nethttp v2');
    const answer = await held;
    assert.equal(answer.body, 'nethttp v2', 'sent again to the new server, which has no breakpoint set');
    const t = (await waitState(h, 'running', 60_000, from)).timings;
    // The proxy's drain waits up to 2 s for requests in flight: not for one held this long (a long-poll to it), which cannot finish.
    const swapMs = t.saveToReadyMs! - (t.buildMs ?? 0);
    assert.ok(swapMs < 2000, `no drain wait for a request that cannot finish: save→ready minus the build was ${swapMs} ms`);
    dap.close();
    await h.dispose();
    assert.deepEqual(processesUnder(h.dir), []);
  });

  it('says where a program stopped when no client says so: a fatal error, a breakpoint a client left set when it disconnected', async () => {
    const h = await harness('nethttp', { debug: true });
    save(h, 'fmt.Fprint(w, message)', 'if r.URL.Path == "/fatal" {\n\t\t\tvar mu sync.Mutex\n\t\t\tmu.Unlock()\n\t\t}\n\t\tfmt.Fprint(w, message)');
    save(h, '"net/http"', '"net/http"\n\t"sync"');
    h.engine.start();
    await waitState(h, 'running', 180_000);
    const t1 = await target(h);
    // A client sets a breakpoint and leaves without clearing it (nvim-dap's or VS Code's Disconnect).
    const dap = new DapClient();
    await dap.connect(t1.port);
    await dap.attachRemote([{ file: path.join(h.dir, 'main.go'), line: HANDLER_LINE + 5 }]);
    await dap.request('disconnect', { terminateDebuggee: false });
    dap.close();
    void get(h.port, '/').catch(() => undefined);
    const bp = await waitUntil('a pause seen', () => h.engine.debugTarget?.paused, 10_000);
    assert.deepEqual([bp.reason, bp.file, bp.line], ['breakpoint', path.join(h.dir, 'main.go'), HANDLER_LINE + 5]);
    // A save reloads it (the breakpoints went with the old Delve); a Go fatal error then pauses too.
    save(h, 'nethttp v1', 'nethttp v2');
    await waitUntil('v2 served', async () => (await body(h.port)) === 'nethttp v2', 60_000);
    void get(h.port, '/fatal').catch(() => undefined);
    const fatal = await waitUntil('the fatal error seen', () => h.engine.debugTarget?.paused, 10_000);
    assert.equal(fatal.reason, 'fatal error');
    assert.equal(h.engine.state.kind, 'running', 'paused, not crashed or unready');
    await h.dispose();
    assert.deepEqual(processesUnder(h.dir), []);
  });

  it('does not keep a newer save waiting for a debugger that never attaches', async () => {
    const h = await harness('nethttp', { debug: true });
    let calls = 0;
    const first = new DapClient();
    h.engine.setDebugClient({
      async attach(t) {
        if (++calls > 1) return new Promise<void>(() => {});
        await first.connect(t.port);
        await first.attachRemote([]);
      },
    });
    h.engine.start();
    await waitState(h, 'running', 180_000);
    save(h, 'nethttp v1', 'nethttp v2');
    await waitUntil('generation 2 waits for its debugger', () => calls === 2, 60_000);
    const t0 = Date.now();
    const from = h.states.length;
    save(h, 'nethttp v2', 'nethttp v3');
    await waitState(h, 'building', 60_000, from);
    const ms = Date.now() - t0;
    assert.ok(ms < 5000, `the v3 build started ${ms} ms after its save (the attach wait is 15 s)`);
    first.close();
    await h.dispose();
    assert.deepEqual(processesUnder(h.dir), []);
  });

  it('starts the program itself when the debugger fails to attach, so the server still serves', async () => {
    const h = await harness('nethttp', { debug: true });
    // Fails after the program's pid is known (the target changed meanwhile: it must still be started).
    h.engine.setDebugClient({ attach: () => new Promise<void>((_, reject) => setTimeout(() => reject(new Error('no session')), 400)) });
    h.engine.start();
    await waitState(h, 'running', 180_000);
    assert.equal(await body(h.port), 'nethttp v1');
    assert.match(h.output(), /The debugger could not attach to the new server \(no session\)/);
    await h.dispose();
    assert.deepEqual(processesUnder(h.dir), []);
  });

  it('behind the proxy, a POST held at a breakpoint gets a 502 at once when you save (no drain for what cannot finish)', async () => {
    const proxyPort = await freePort();
    const h = await harness('nethttp', { debug: true, proxyPort });
    const { dap } = await runningWithBreakpoint(h);
    const stopped = dap.nextEvent('stopped');
    const post = new Promise<number>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: proxyPort, path: '/', method: 'POST', agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve(0));
      req.end('x');
    });
    await stopped;
    await new Promise((r) => setTimeout(r, 200)); // recent: the drain would wait for it
    const from = h.states.length;
    save(h, 'nethttp v1', 'nethttp v2');
    const t = (await waitState(h, 'running', 60_000, from)).timings;
    assert.equal(await post, 502, 'a POST the app received is never sent twice');
    const swapMs = t.saveToReadyMs! - (t.buildMs ?? 0);
    assert.ok(swapMs < 1500, `save→ready minus the build was ${swapMs} ms (the drain waits up to 2 s)`);
    dap.close();
    await h.dispose();
    assert.deepEqual(processesUnder(h.dir), []);
  });

  it('takes a dlv that never listens for what it is, not for a crashing app', async () => {
    const h = await harness('nethttp', { debug: true, dlvPath: '/bin/echo' });
    h.engine.start();
    const e = await waitState(h, 'error', 180_000);
    assert.match(e.message, /Delve exited before it listened/);
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(!h.states.some((s) => s.kind === 'crashed'), JSON.stringify(h.states.map((s) => s.kind)));
    await h.dispose();
  });

  it('keeps the old server under Delve when the build fails', async () => {
    const h = await harness('nethttp', { debug: true });
    h.engine.start();
    await waitState(h, 'running', 180_000);
    const t1 = await target(h);
    const from = h.states.length;
    save(h, 'const message = "nethttp v1"', 'const message = = "nethttp v1"');
    await waitState(h, 'build-failed', 60_000, from);
    assert.equal(h.engine.debugTarget?.dlvPid, t1.dlvPid, 'the same Delve, still there');
    assert.equal(await body(h.port), 'nethttp v1');
    const dap = new DapClient();
    await dap.connect(t1.port);
    await dap.attachRemote([]);
    const threads = await dap.request('threads');
    assert.ok((threads.body!.threads as unknown[]).length > 0, 'still debuggable');
    dap.close();
    await h.dispose();
    assert.deepEqual(processesUnder(h.dir), [], 'no dlv (its argv names the binary) and no server left');
  });

  it('counts a crash under Delve as a crash (backoff), and leaves no Delve behind', async () => {
    const h = await harness('crash', { debug: true });
    h.engine.start();
    const c1 = await waitState(h, 'crashed', 180_000);
    assert.equal(c1.crashCount, 1);
    assert.equal(c1.exitCode, 3, 'the program’s own exit status (Delve itself exits 0)');
    assert.ok(c1.retryInMs! > 0, 'a restart is scheduled');
    const c2 = await waitState(h, 'crashed', 60_000, h.states.indexOf(c1) + 1);
    assert.equal(c2.crashCount, 2);
    assert.ok(h.output().includes('crash: config missing'), 'the program’s stderr comes through Delve');
    await h.dispose();
    assert.deepEqual(processesUnder(h.dir), [], 'no dlv (its argv names the binary) and no server left');
  });

  it('shows a startup panic as paused in Delve, not as a hung or crashed server; a fix reloads', async () => {
    const h = await harness('nethttp', { debug: true, startupTimeoutMs: 3000 });
    save(h, 'port := os.Getenv("PORT")', 'port := os.Getenv("PORT")\n\tif message != "" {\n\t\tpanic("boom at start")\n\t}');
    h.engine.start();
    await waitUntil('paused on the panic', () => h.engine.debugTarget?.paused?.reason === 'panic', 180_000);
    // Delve stops in runtime/panic.go; the pause names the line of the server's own that panicked.
    const main = path.join(h.dir, 'main.go');
    const line =
      fs
        .readFileSync(main, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('panic("boom at start")')) + 1;
    assert.deepEqual({ file: h.engine.debugTarget?.paused?.file, line: h.engine.debugTarget?.paused?.line }, { file: main, line });
    await new Promise((r) => setTimeout(r, 3500));
    assert.ok(!h.states.some((s) => s.kind === 'unready' || s.kind === 'crashed' || s.kind === 'running'), JSON.stringify(h.states.map((s) => s.kind)));
    save(h, 'message != ""', 'message == ""');
    await waitState(h, 'running', 60_000);
    assert.equal(await body(h.port), 'nethttp v1');
    await h.dispose();
    assert.deepEqual(processesUnder(h.dir), [], 'no dlv (its argv names the binary) and no server left');
  });

  it('says how to install Delve when it is not found, and keeps the old server', async () => {
    const empty = path.join(TEST_TMP, `no-dlv-${process.pid}`);
    fs.mkdirSync(empty, { recursive: true });
    const h = await harness('nethttp', {
      debug: true,
      env: { PATH: path.dirname(process.execPath) + ':/usr/local/go/bin:/usr/bin:/bin', GOPATH: empty, GOBIN: '' },
    });
    h.engine.start();
    const e = await waitState(h, 'error', 180_000);
    assert.match(e.message, /Delve \(dlv\).*not found/);
    assert.match(e.hint, /go install github\.com\/go-delve\/delve\/cmd\/dlv@latest/);
    await h.dispose();
    assert.deepEqual(processesUnder(h.dir), []);
  });
});

describe('gopher-reload --debug (the CLI under Delve)', function () {
  this.timeout(240_000);

  /** The CLI on a copy of nethttp; its output so far. */
  async function cli(extra: string[] = []) {
    const dir = copyFixture('nethttp');
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(repoRoot(), 'dist', 'cli.js'), dir, '--debug', ...extra], {
      env: { ...process.env, PORT: String(port), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    return { dir, port, child, out: () => out };
  }

  it('prints how VS Code, nvim-dap and GoLand attach, then one line per reload on the same address', async () => {
    const debugPort = await freePort();
    const c = await cli(['--debug-port', String(debugPort)]);
    await waitUntil('running', () => c.out().includes('● running'), 180_000);
    const out1 = c.out();
    assert.match(out1, new RegExp(`Delve listens on 127\\.0\\.0\\.1:${debugPort}`));
    assert.match(out1, new RegExp(`"type":"go","request":"attach","mode":"remote","host":"127.0.0.1","port":${debugPort}`));
    assert.match(out1, /dap\.adapters\.gopher_reload = \{ type = 'server'/);
    assert.match(out1, /Go Remote: host 127\.0\.0\.1, port/);
    assert.doesNotMatch(out1, /API server listening at/, 'Delve’s own first line is not the app’s output');
    // A client attaches the way nvim-dap does, on the printed port, and stops at a breakpoint.
    const dap = new DapClient();
    await dap.connect(debugPort);
    await dap.attachRemote([{ file: path.join(c.dir, 'main.go'), line: HANDLER_LINE }]);
    const stopped = dap.nextEvent('stopped');
    const held = get(c.port, '/').catch(() => undefined);
    await stopped;
    edit(path.join(c.dir, 'main.go'), 'nethttp v1', 'nethttp v2');
    await waitUntil('v2 served', async () => (await body(c.port)) === 'nethttp v2', 60_000);
    await held;
    assert.match(c.out(), new RegExp(`Delve listens again on 127\\.0\\.0\\.1:${debugPort} \\(server 2\\)`));
    dap.close();
    c.child.kill('SIGINT');
    await new Promise((r) => c.child.once('exit', r));
    assert.deepEqual(processesUnder(c.dir), []);
  });

  it('leaves no Delve and no server when the CLI is killed outright (SIGKILL: the reaper, as after a crash of VS Code)', async () => {
    const c = await cli();
    await waitUntil('running', () => c.out().includes('● running'), 180_000);
    const before = processesUnder(c.dir);
    assert.ok(before.some((p) => p.cmd.includes('dlv')) && before.length >= 2, JSON.stringify(before));
    c.child.kill('SIGKILL');
    await waitUntil('Delve and the server gone', () => processesUnder(c.dir).length === 0, 10_000);
  });
});
