import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CommandResult, RunningCommand } from '../../src/core/build/command';
import { resolveConfig } from '../../src/core/config/config';
import { Builder, type BuildOutcome } from '../../src/core/engine/builder';
import { ChangeQueue } from '../../src/core/engine/changeQueue';
import { ReloadLoop, type LoopHost } from '../../src/core/engine/loop';
import type { EngineOutput, EngineState } from '../../src/core/engine/state';
import { silentLogger } from '../../src/core/util/log';
import { FakeClock, settle } from '../support/fakeClock';
import { TEST_TMP } from '../support/helpers';

const QUIET = 50;

function result(over: Partial<CommandResult> = {}): CommandResult {
  return { ok: true, exitCode: 0, output: '', durationMs: 1, cancelled: false, timedOut: false, ...over };
}

/** A build in flight: what it was built from (the "disk" when it started), and its controls. */
interface FakeBuild {
  binary: string;
  from: number;
  signal: AbortSignal;
  finish(ok?: boolean): void;
  settled: boolean;
}

/**
 * The reload loop over the real change queue, a fake clock, a fake build (one per round, finished
 * by the test) and a fake server whose swap the test can hold. "disk" is a version number each
 * save bumps; a binary remembers the version it was built from.
 */
function rig() {
  const clock = new FakeClock();
  let disk = 1;
  const builds: FakeBuild[] = [];
  const served: { binary: string; from: number }[] = [];
  const states: EngineState[] = [];
  const lines: EngineOutput[] = [];
  let holdSwap: Promise<void> | undefined;
  let inSwap = false;
  const versionOf = new Map<string, number>();
  const host: LoopHost = {
    log: silentLogger,
    out: (o) => lines.push(o),
    setState: (s) => states.push(s),
    active: () => true,
    server: {
      serving: false,
      lastBinary: undefined,
      cancelRetry() {},
      async swap(binary) {
        inSwap = true;
        await holdSwap;
        inSwap = false;
        served.push({ binary, from: versionOf.get(binary)! });
      },
    },
    ensureProxy: async () => undefined,
    prebuilt: async () => undefined,
    cancelPrebuilt() {},
    environment: () => ({}),
    build: (_env, signal) =>
      new Promise<BuildOutcome>((resolve) => {
        const binary = `bin-${builds.length + 1}`;
        versionOf.set(binary, disk);
        const b: FakeBuild = {
          binary,
          from: disk,
          signal,
          settled: false,
          finish: (ok = true) => {
            if (b.settled) return;
            b.settled = true;
            resolve({ binary, durationMs: 1, result: result({ ok, exitCode: ok ? 0 : 1 }) });
          },
        };
        // As a real command does: cancelling it ends it, reported as cancelled.
        signal.addEventListener('abort', () => {
          if (b.settled) return;
          b.settled = true;
          resolve({ binary, durationMs: 1, result: result({ ok: false, cancelled: true, exitCode: null }) });
        });
        builds.push(b);
      }),
    reportFailure: async () => {},
    buildFailed() {},
    beforeSwap() {},
    respawned() {},
    served() {},
    now: () => clock.now(),
  };
  const queue = new ChangeQueue(
    {
      quietWindowMs: () => QUIET,
      building: () => builds.some((b) => !b.settled),
      supersede: () => loop.supersede(),
      ready: () => loop.ensure(),
    },
    clock,
  );
  const loop = new ReloadLoop(host, queue);
  return {
    clock,
    queue,
    loop,
    builds,
    served,
    states,
    lines,
    get disk() {
      return disk;
    },
    get inSwap() {
      return inSwap;
    },
    /** A save: new content on disk, seen by the queue. */
    save(file = 'main.go') {
      disk++;
      queue.add(file);
    },
    holdSwaps(): () => void {
      let release!: () => void;
      holdSwap = new Promise<void>((r) => (release = r));
      return () => {
        holdSwap = undefined;
        release();
      };
    },
    running: () => builds.filter((b) => !b.settled),
  };
}

/** The loop's subtle cases in milliseconds, without Go: what is built, what is cancelled, what is served. */
describe('reload loop (fake build, fake server, fake clock; no Go)', () => {
  it('a storm of 30 saves, each inside the quiet window of the last, gives one build, of the latest', async () => {
    const r = rig();
    for (let i = 0; i < 30; i++) {
      r.save(`f${i % 7}.go`);
      await r.clock.advance(QUIET - 5);
    }
    assert.equal(r.builds.length, 0, 'still inside the quiet window');
    await r.clock.advance(5);
    assert.equal(r.builds.length, 1);
    assert.equal(r.builds[0].from, r.disk, 'built from the last save');
    r.builds[0].finish();
    await settle();
    assert.deepEqual(r.served, [{ binary: 'bin-1', from: r.disk }]);
    const building = r.states.filter((s) => s.kind === 'building');
    assert.equal(building.length, 1);
    assert.match((building[0] as { trigger: string }).trigger, /^f0\.go, f1\.go, f2\.go and 4 more$/);
  });

  it('a save during a build cancels it through its AbortSignal; the next build, of the latest, is the one served', async () => {
    const r = rig();
    r.save();
    await r.clock.advance(QUIET);
    assert.equal(r.builds.length, 1);
    const first = r.builds[0];
    r.save();
    await r.clock.advance(QUIET - 1);
    assert.equal(first.signal.aborted, false, 'not before the quiet window of the newer save');
    await r.clock.advance(1);
    assert.equal(first.signal.aborted, true, 'cancelled once the newer save settled');
    assert.equal(r.builds.length, 2, 'the next build started at once');
    assert.equal(r.running().length, 1, 'never two builds at once');
    assert.equal(r.builds[1].from, r.disk);
    assert.equal(r.queue.windowMs, QUIET * 4, 'the storm backoff grew');
    r.builds[1].finish();
    await settle();
    assert.deepEqual(r.served, [{ binary: 'bin-2', from: r.disk }], 'the cancelled build is never served');
    assert.equal(r.queue.windowMs, QUIET, 'a finished build of the latest code ends the storm');
  });

  it('a build that finishes while a newer save waits for its quiet window is never served; the newer one is', async () => {
    const r = rig();
    r.save();
    await r.clock.advance(QUIET);
    r.save(); // inside the window: the build in flight is not cancelled yet
    await r.clock.advance(10);
    r.builds[0].finish();
    await settle();
    assert.deepEqual(r.served, [], 'built from content that changed meanwhile: not served');
    assert.ok(
      r.lines.some((l) => l.text === 'built in 1 ms\n'),
      'it did build',
    );
    await r.clock.advance(QUIET);
    assert.equal(r.builds.length, 2);
    r.builds[1].finish();
    await settle();
    assert.deepEqual(r.served, [{ binary: 'bin-2', from: r.disk }]);
  });

  it('a save during a swap cancels nothing and is built and served right after it', async () => {
    const r = rig();
    const release = r.holdSwaps();
    r.save();
    await r.clock.advance(QUIET);
    r.builds[0].finish();
    await settle();
    assert.equal(r.inSwap, true, 'the first swap is in progress');
    r.save();
    await r.clock.advance(QUIET * 10);
    assert.equal(r.builds.length, 1, 'no build while the swap runs (one round at a time)');
    assert.equal(r.queue.superseding, true, 'the swap is told that newer work waits (its readiness wait gives way)');
    release();
    await settle();
    assert.equal(r.builds.length, 2, 'built right after the swap');
    assert.equal(r.builds[1].from, r.disk);
    r.builds[1].finish();
    await settle();
    assert.deepEqual(
      r.served.map((s) => s.from),
      [r.disk - 1, r.disk],
      'the last save is what serves',
    );
  });

  it('a failed build is not served and is remembered (an identical re-save is then a retry); stop() aborts a build and serves nothing', async () => {
    const r = rig();
    r.save();
    await r.clock.advance(QUIET);
    r.builds[0].finish(false);
    await settle();
    assert.deepEqual(r.served, []);
    assert.equal(r.loop.lastBuildFailed, true);
    r.save();
    await r.clock.advance(QUIET);
    const b = r.builds[1];
    const stopped = r.loop.stop();
    assert.equal(b.signal.aborted, true);
    await stopped;
    await r.clock.advance(QUIET * 10);
    assert.deepEqual(r.served, [], 'nothing served after stop');
    assert.equal(r.builds.length, 2);
  });
});

/** The builder with the injected BuildStep (how the extension runs a VS Code task): cancelled through the AbortSignal. */
describe('builder with a fake BuildStep (no Go)', () => {
  function config() {
    const dir = fs.mkdtempSync(path.join(TEST_TMP + path.sep, 'builder-'));
    fs.writeFileSync(path.join(dir, 'go.mod'), 'module example.com/x\n\ngo 1.21\n');
    const { config } = resolveConfig(dir, {});
    return config;
  }

  it('runs the step with the binary path, streams its output, and cancels it when the signal aborts', async () => {
    const c = config();
    const out: EngineOutput[] = [];
    const calls: { binary: string; cancelled: boolean }[] = [];
    const builder = new Builder({
      config: () => c,
      log: silentLogger,
      out: (o) => out.push(o),
      requeue: () => assert.fail('no pre-build steps'),
      buildStep: () => (ctx) => {
        const call = { binary: ctx.binary, cancelled: false };
        calls.push(call);
        ctx.onOutput('compiling\n');
        let end!: (r: CommandResult) => void;
        const done = new Promise<CommandResult>((r) => (end = r));
        const running: RunningCommand = {
          done,
          cancel: () => {
            call.cancelled = true;
            end(result({ ok: false, cancelled: true, exitCode: null }));
          },
        };
        if (calls.length === 2) setImmediate(() => end(result()));
        return running;
      },
    });
    const abort = new AbortController();
    const first = builder.run({}, abort.signal);
    await settle();
    assert.equal(builder.busy, true);
    abort.abort();
    const r1 = await first;
    assert.equal(r1.result?.cancelled, true);
    assert.equal(calls[0].cancelled, true);
    assert.equal(builder.busy, false);
    const r2 = await builder.run({}, new AbortController().signal);
    assert.equal(r2.result?.ok, true);
    assert.equal(calls[1].cancelled, false);
    assert.equal(calls[0].binary, c.binary, 'the step writes where the server is started from');
    assert.deepEqual(
      out.map((o) => o.source),
      ['build', 'build'],
    );
  });
});
