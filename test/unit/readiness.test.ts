import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { resolveConfig } from '../../src/core/config/config';
import { silentLogger } from '../../src/core/util/log';
import { ownListeners, portTakenFrom } from '../../src/core/run/ports';
import { isAlive } from '../../src/core/run/processTree';
import { hintedPorts, portFromLine, PortPicker } from '../../src/core/run/readiness';
import type { EngineState } from '../../src/core/engine/state';
import { Supervisor } from '../../src/core/run/supervisor';
import { copyFixture } from '../support/helpers';

describe('port hints from log lines', () => {
  const cases: { line: string; want: number | undefined }[] = [
    { line: '[GIN-debug] Listening and serving HTTP on :8080', want: 8080 },
    { line: 'server started on localhost:3000', want: 3000 },
    { line: 'listening addr=:7000', want: 7000 },
    { line: 'http server started on [::]:1323', want: 1323 },
    { line: 'config: auth service at http://localhost:5432/', want: 5432 }, // a hint only: readiness checks ownership
    // Clock times are never ports, wherever they sit in the line.
    { line: 'server started at 12:30', want: undefined },
    { line: '2026/01/01 12:30:45 listening since 12:30:45', want: undefined },
    { line: 'listening: next rotation at 23:59', want: undefined },
    { line: '[12:30:45] serving requests', want: undefined },
  ];
  for (const c of cases) it(JSON.stringify(c.line), () => assert.equal(portFromLine(c.line), c.want));

  it('lists hinted ports newest first, each once', () => {
    assert.deepEqual(hintedPorts(['listening on :8080', 'at 12:30', 'auth at http://localhost:5432/', 'listening on :8080']), [8080, 5432]);
  });

  it("reads the port a server could not bind from Go's and Node's messages", () => {
    assert.equal(portTakenFrom(['2026/01/01 10:00:00 listen tcp :8080: bind: address already in use']), 8080);
    assert.equal(portTakenFrom(['listen tcp4 127.0.0.1:9000: bind: address already in use']), 9000);
    assert.equal(portTakenFrom(['[GIN-debug] [ERROR] listen tcp [::1]:8888: bind: address already in use']), 8888);
    assert.equal(portTakenFrom(['Error: listen EADDRINUSE: address already in use :::3000']), 3000);
    assert.equal(portTakenFrom(['started at 12:30', 'connection refused']), undefined);
  });
});

/** Real listeners: a metrics port below the app's port must not win because it is lower. */
describe('choosing among the server tree own listeners', () => {
  const servers: net.Server[] = [];
  const listen = async (handler: http.RequestListener): Promise<number> => {
    const s = http.createServer(handler).listen(0);
    servers.push(s);
    await new Promise((r) => s.once('listening', r));
    return (s.address() as net.AddressInfo).port;
  };
  afterEach(() => servers.splice(0).forEach((s) => s.close()));

  it("finds this process's own listening sockets, and not another process's", async function () {
    if (process.platform !== 'linux') this.skip();
    const port = await listen((_, res) => res.end('x'));
    assert.ok(ownListeners([process.pid])!.includes(port));
    assert.ok(!ownListeners([1])?.includes(port));
  });

  it('prefers the listener that answers / over a lower metrics port, whatever the order they appeared in', async () => {
    const metrics = await listen((req, res) => res.writeHead(req.url === '/metrics' ? 200 : 404).end());
    const app = await listen((_, res) => res.end('app'));
    assert.equal(
      await new PortPicker().pick(
        [metrics, app].sort((x, y) => x - y),
        [],
      ),
      app,
    );
    assert.equal(await new PortPicker().pick([app, metrics], []), app);
  });

  it('a hinted port wins only when the tree listens on it; the previous port too', async () => {
    const one = await listen((_, res) => res.writeHead(404).end());
    const two = await listen((_, res) => res.writeHead(404).end());
    assert.equal(await new PortPicker().pick([one, two], [two]), two);
    assert.equal(await new PortPicker(two).pick([one, two], [5432]), two, 'a hint the tree does not listen on is ignored');
    // One listener answering 404 and nothing else: it is waited for briefly (another may appear), then chosen.
    const p = new PortPicker();
    assert.equal(await p.pick([one], []), undefined);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await p.pick([one], []), one);
  });
});

/** The supervisor alone, on a real worker binary: the readiness wait must never hold the engine's loop. */
describe('supervisor: a readiness wait gives way to newer work', function () {
  it('stops waiting as soon as the engine has newer work, leaving the new server running', async () => {
    const dir = copyFixture('worker');
    const binary = path.join(dir, 'worker-bin');
    execFileSync('go', ['build', '-o', binary, '.'], { cwd: dir });
    // A configured port the worker never listens on: without `superseded` this waits 30 s.
    const { config } = resolveConfig(dir, { port: 1, startupTimeoutMs: 30_000, killDelayMs: 500 });
    const states: EngineState[] = [];
    let newer = false;
    const sup = new Supervisor({
      config: () => config,
      log: silentLogger,
      out: () => {},
      setState: (s) => states.push(s),
      active: () => true,
      respawn: () => {},
      superseded: () => newer,
    });
    const t0 = performance.now();
    setTimeout(() => (newer = true), 300);
    const r = await sup.swap(binary, { trigger: 'start' }, t0, process.env, () => true);
    const waited = performance.now() - t0;
    assert.equal(r, undefined);
    assert.ok(waited < 1500, `the wait ended ${Math.round(waited)} ms after start (newer work at 300 ms)`);
    assert.equal(sup.serving, true, 'the new server keeps running until the next swap');
    assert.deepEqual(
      states.map((s) => s.kind),
      ['starting'],
      'no unready or error state was reported',
    );
    const pids = sup.members();
    await sup.stop();
    assert.deepEqual(pids.filter(isAlive), []);
  });
});

describe('port detection from log lines', () => {
  const cases: { line: string; want: number | undefined }[] = [
    { line: '[GIN-debug] Listening and serving HTTP on :8080', want: 8080 },
    { line: '[GIN-debug] Listening and serving HTTPS on 127.0.0.1:8443', want: 8443 },
    { line: '2026/01/01 listening on :3000', want: 3000 },
    { line: 'Server listening at http://localhost:4000', want: 4000 },
    { line: 'http server started on [::]:1323', want: 1323 }, // Echo
    { line: 'Serving on http://127.0.0.1:9090/', want: 9090 },
    { line: '[GIN-debug] GET /users/:id --> main.getUser (3 handlers)', want: undefined },
    { line: 'connected to db at 10.0.0.1:5432', want: undefined },
  ];
  for (const c of cases) it(JSON.stringify(c.line), () => assert.equal(portFromLine(c.line), c.want));
});
