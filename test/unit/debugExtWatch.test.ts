import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DapWatch, type Frame } from '../../src/extension/dapWatch';
import { findDlv, isInside, type DebugPause } from '../../src/core';
import { get, harness, waitState, waitUntil } from '../support/helpers';
import { DapClient, type DapMessage } from '../support/dap';

/*
 * The extension's DapWatch (what its DebugAdapterTracker does with each message) against a real
 * Delve running the engine's server: this client sends what VS Code sends, in VS Code's order
 * (the top frame alone, then the rest), and every message both ways goes through the watch, as
 * the tracker sees them. Wired to the engine as the extension wires it (engine.debugPaused).
 */

type Msg = DapMessage;

/** A DAP client that shows every message to a DapWatch, like VS Code's tracker. */
class WatchedClient extends DapClient {
  constructor(private readonly watch: DapWatch) {
    super();
  }

  protected override sent(m: Msg): void {
    this.watch.toAdapter(m);
  }
  protected override received(m: Msg): void {
    this.watch.fromAdapter(m);
  }

  /** As VS Code sends it: the response as it comes, success or not. */
  override request(command: string, args: Record<string, unknown> = {}): Promise<Msg> {
    return this.send(command, args);
  }

  async nextEvent(name: string, from: number, why: () => string = () => ''): Promise<Msg> {
    return waitUntil(`a ${name} event${why()}`, () => this.events.slice(from).find((e) => e.event === name), 30_000).catch((e: Error) => {
      throw new Error(`${e.message}${why()}; events since: ${JSON.stringify(this.events.slice(from)).slice(0, 600)}`);
    });
  }

  /** What VS Code does to attach: initialize, attach (remote), breakpoints, configurationDone. */
  async attach(breakpoints: { file: string; line: number }[]): Promise<void> {
    await this.request('initialize', { adapterID: 'gopher-reload', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    await this.request('attach', { type: 'gopher-reload', request: 'attach', mode: 'remote' });
    for (const b of breakpoints) await this.request('setBreakpoints', { source: { path: b.file }, breakpoints: [{ line: b.line }] });
    await this.request('setExceptionBreakpoints', { filters: ['unrecovered-panic', 'runtime-fatal-throw'] });
    await this.request('configurationDone');
  }

  /** What VS Code asks after a stop: the threads, the stopped thread's top frame, then the rest. */
  async afterStop(stopped: Msg): Promise<void> {
    const threadId = stopped.body!.threadId as number;
    await this.request('threads');
    await this.request('stackTrace', { threadId, startFrame: 0, levels: 1 });
    await this.request('stackTrace', { threadId, startFrame: 1, levels: 19 });
  }
}

function lineOf(file: string, text: string): number {
  return (
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(text)) + 1
  );
}

/** A server under Delve (the engine's), a client attached through a DapWatch wired to the engine as the extension wires it. */
async function debugged(breakpoints: (dir: string) => { file: string; line: number }[], opts: { askStack?: boolean } = {}) {
  const h = await harness('panicky', { debug: true, env: { GIN_MODE: 'debug' } });
  h.engine.start();
  await waitState(h, 'running', 180_000);
  const target = await waitUntil('the debug target', () => (h.engine.debugTarget?.pid ? h.engine.debugTarget : undefined));
  const seen = { pauses: [] as (DebugPause | undefined)[], exits: [] as number[], ends: 0 };
  const watch = new DapWatch(
    {
      configured: () => {},
      paused: (p) => {
        seen.pauses.push(p);
        h.engine.debugPaused(target.generation, p);
      },
      exited: (c) => seen.exits.push(c),
      endRequested: () => seen.ends++,
      // As the extension asks it: a request of its own (customRequest), seen by the tracker too.
      ...(opts.askStack
        ? {
            stackTrace: (threadId: number) =>
              dap
                .send('stackTrace', { threadId, startFrame: 0, levels: 64 })
                .then((m) => (m.success ? (m.body?.stackFrames as Frame[]) : Promise.reject(new Error(m.message)))),
          }
        : {}),
    },
    (file) => isInside(file, h.dir),
  );
  const dap: WatchedClient = new WatchedClient(watch);
  await dap.connect(target.port);
  await dap.attach(breakpoints(h.dir));
  return { h, dap, seen, last: () => seen.pauses.at(-1) };
}

describe('extension: DapWatch reads a real Delve session the way the tracker does', function () {
  this.timeout(240_000);
  const index = (dir: string) => {
    const file = path.join(dir, 'main.go');
    return { file, line: lineOf(file, 'c.String(http.StatusOK, "ok")') };
  };

  before(async () => {
    assert.ok(await findDlv(), 'dlv is needed: go install github.com/go-delve/delve/cmd/dlv@latest');
  });

  it('a breakpoint: paused with the top frame’s file and line; Continue (no `continued` event from Delve) clears it', async () => {
    const { h, dap, seen, last } = await debugged((dir) => [index(dir)]);
    const { file, line } = index(h.dir);
    const mark = dap.events.length;
    const held = get(h.port, '/').catch((e: Error) => ({ status: 0, body: e.message }));
    const stopped = await dap.nextEvent('stopped', mark);
    assert.deepEqual(last(), { reason: 'breakpoint' }, 'paused at once, before the stack is known');
    await dap.afterStop(stopped);
    assert.deepEqual(last(), { reason: 'breakpoint', file, line });
    assert.deepEqual(h.engine.debugTarget?.paused, { reason: 'breakpoint', file, line }, 'the engine knows where');
    const n = seen.pauses.length;
    await dap.request('continue', { threadId: stopped.body!.threadId });
    assert.equal(seen.pauses.length, n + 1);
    assert.equal(last(), undefined, 'running again');
    assert.equal(h.engine.debugTarget?.paused, undefined);
    assert.equal((await held).body, 'ok');
    assert.equal(
      dap.events.slice(mark).filter((e) => e.event === 'continued').length,
      0,
      'Delve sent no continued event: the continue response is what says it runs',
    );
    dap.close();
  });

  it('a step is a pause of its own, with its own place', async () => {
    const { h, dap, last } = await debugged((dir) => [index(dir)]);
    const mark = dap.events.length;
    const held = get(h.port, '/').catch((e: Error) => ({ status: 0, body: e.message }));
    const stopped = await dap.nextEvent('stopped', mark);
    await dap.afterStop(stopped);
    const mark2 = dap.events.length;
    await dap.request('next', { threadId: stopped.body!.threadId });
    assert.equal(last(), undefined, 'running while it steps');
    const stepped = await dap.nextEvent('stopped', mark2);
    await dap.afterStop(stepped);
    const p = last()!;
    assert.equal(p.reason, 'step');
    assert.ok(p.file && p.line, JSON.stringify(p));
    assert.notDeepEqual({ file: p.file, line: p.line }, index(h.dir), 'a new place');
    await dap.request('setBreakpoints', { source: { path: index(h.dir).file }, breakpoints: [] });
    await dap.request('continue', { threadId: stepped.body!.threadId });
    assert.equal(last(), undefined);
    await held; // answered, or cut by the 2 s client timeout while stepping: either way it is over
    dap.close();
  });

  it('an unrecovered panic: paused as "panic" with its value, at the frame in the server’s own code (not runtime/panic.go)', async () => {
    const { h, dap, seen, last } = await debugged(() => []);
    const boom = path.join(h.dir, 'handlers', 'boom.go');
    const line = lineOf(boom, 'panic("crash: worker exploded")');
    const mark = dap.events.length;
    await get(h.port, '/crash').catch(() => undefined);
    const stopped = await dap.nextEvent('stopped', mark);
    assert.equal(stopped.body!.reason, 'exception', JSON.stringify(stopped.body));
    assert.equal(last()?.reason, 'panic');
    await dap.afterStop(stopped);
    const p = last()!;
    assert.deepEqual({ reason: p.reason, file: p.file, line: p.line }, { reason: 'panic', file: boom, line });
    assert.match(p.description ?? '', /crash: worker exploded/);
    assert.equal(h.engine.debugTarget?.paused?.reason, 'panic');
    // Continue: the program dies of the panic; Delve reports its exit code.
    await dap.request('continue', { threadId: stopped.body!.threadId });
    await dap.nextEvent('exited', mark);
    assert.equal(seen.exits.length, 1);
    assert.notEqual(seen.exits[0], 0, 'a panic exits with a non-zero status');
    assert.equal(last(), undefined);
    // VS Code disconnects after `terminated`/`exited`: not the user's Stop.
    await Promise.race([dap.request('disconnect', { restart: false, terminateDebuggee: false }), new Promise((r) => setTimeout(r, 2000))]);
    assert.equal(seen.ends, 0, 'a disconnect after the program exited is not a Stop');
    dap.close();
  });
});

describe('extension: DapWatch names a panic’s own frame when VS Code does not ask for it', function () {
  this.timeout(240_000);

  it('real Delve: the client asks for the top frame only (VS Code’s second fetch never came): the watch’s own request finds the line in the server’s code', async () => {
    const { h, dap, last } = await debugged(() => [], { askStack: true });
    const boom = path.join(h.dir, 'handlers', 'boom.go');
    const line = lineOf(boom, 'panic("crash: worker exploded")');
    const mark = dap.events.length;
    await get(h.port, '/crash').catch(() => undefined);
    const stopped = await dap.nextEvent('stopped', mark);
    await dap.request('stackTrace', { threadId: stopped.body!.threadId as number, startFrame: 0, levels: 1 });
    await waitUntil('the pause at the panic’s own frame', () => (last()?.file === boom ? last() : undefined), 10_000).catch(() => {
      throw new Error(`pause: ${JSON.stringify(last())}`);
    });
    assert.equal(last()?.line, line);
    assert.equal(h.engine.debugTarget?.paused?.file, boom, 'the engine knows it too');
    await dap.request('continue', { threadId: stopped.body!.threadId });
    await dap.nextEvent('exited', mark);
    dap.close();
  });

  /** A watch with a fake adapter behind stackTrace; what it reported. */
  function fake(answer: (n: number) => Promise<Frame[] | undefined>) {
    const pauses: (DebugPause | undefined)[] = [];
    let asked = 0;
    const w = new DapWatch({ configured: () => {}, paused: (p) => pauses.push(p), exited: () => {}, stackTrace: () => answer(++asked) }, (f) =>
      f.startsWith('/srv/'),
    );
    return { w, pauses, asked: () => asked };
  }
  const PANIC = { type: 'event', event: 'stopped', body: { reason: 'exception', description: 'panic', text: 'boom', threadId: 7 } };
  const FRAMES: Frame[] = [
    { source: { path: '/go/src/runtime/panic.go' }, line: 1456 },
    { source: { path: '/srv/handlers/a.go' }, line: 30 },
  ];

  it('a refusal ("debuggee is running", sent just after stopped) is asked again; the own frame comes', async () => {
    const { w, pauses, asked } = fake((n) =>
      n < 3 ? Promise.reject(new Error('Unable to process `stackTrace`: debuggee is running')) : Promise.resolve(FRAMES),
    );
    w.fromAdapter(PANIC);
    await waitUntil('the own frame', () => pauses.at(-1)?.file === '/srv/handlers/a.go', 5000);
    assert.equal(asked(), 3);
    assert.deepEqual(pauses.at(-1), { reason: 'panic', description: 'boom', file: '/srv/handlers/a.go', line: 30 });
  });

  it('an answer that comes after the program ran on is dropped; a breakpoint stop asks nothing', async () => {
    let release!: (f: Frame[]) => void;
    const { w, pauses, asked } = fake(() => new Promise((r) => (release = r)));
    w.fromAdapter(PANIC);
    w.fromAdapter({ type: 'event', event: 'continued', body: { threadId: 7 } });
    release(FRAMES);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(pauses.at(-1), undefined, 'running: no stale place');
    w.fromAdapter({ type: 'event', event: 'stopped', body: { reason: 'breakpoint', threadId: 7 } });
    assert.equal(asked(), 1, 'only the panic asked');
  });
});

describe('extension: DapWatch, the user’s Stop', () => {
  it('a disconnect or terminate before the program exited is the user ending the session (once); a restart is not', () => {
    let ends = 0;
    const w = new DapWatch({ configured: () => {}, paused: () => {}, exited: () => {}, endRequested: () => ends++ });
    w.toAdapter({ type: 'request', seq: 9, command: 'disconnect', arguments: { restart: true } });
    assert.equal(ends, 0, 'VS Code’s Restart');
    w.toAdapter({ type: 'request', seq: 10, command: 'disconnect', arguments: { restart: false, terminateDebuggee: true } });
    w.toAdapter({ type: 'request', seq: 11, command: 'terminate', arguments: {} });
    assert.equal(ends, 1);
  });
});
