import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { watchTree } from '../../src/core/watch/watcher';
import { body, harness, TEST_TMP, waitState, waitUntil } from '../support/helpers';
import { compiles, expected, Model, projectFiles, writeProject, initialState, type FileIO } from './model';
import { record } from './record';

/**
 * The model test of "the last save always wins": a seeded random sequence of the ways files
 * really change (see model.ts), against the real engine, a real chokidar watcher (as the CLI
 * runs it), real go builds and a real server. After each step the server must answer what the
 * files on disk say, within a bound, and still answer it once the engine is idle.
 * GOPHER_RELOAD_MODEL_SEEDS=1,2,3 and GOPHER_RELOAD_MODEL_STEPS=N replay or extend a run.
 */
const SEEDS = (process.env.GOPHER_RELOAD_MODEL_SEEDS ?? '11,23,37').split(',').map(Number);
const STEPS = Number(process.env.GOPHER_RELOAD_MODEL_STEPS ?? 22);
const BOUND_MS = 30_000;
/** The same model with every server under Delve (gopherReload.debug): one seed (each start costs Delve ~0.3 s). */
const DEBUG_SEED = SEEDS[0];
const DEBUG_STEPS = STEPS;

describe('faults: the last save always wins (model test)', function () {
  const all: number[] = [];
  let total = 0;
  /** Rounds served without a build: the paths the model must also cover. */
  const noBuild = { restart: 0, reload: 0, cancelled: 0 };

  const runs: { seed: number; steps: number; debug: boolean }[] = [
    ...SEEDS.map((seed) => ({ seed, steps: STEPS, debug: false })),
    { seed: DEBUG_SEED, steps: DEBUG_STEPS, debug: true },
  ];
  const debugMs: number[] = [];
  let debugTotal = 0;
  for (const { seed, steps, debug } of runs) {
    it(`seed ${seed}: ${steps} random steps, each served as the files on disk say${debug ? ', every server under Delve' : ''}`, async function () {
      const dir = fs.mkdtempSync(path.join(TEST_TMP + path.sep, `model-${seed}-`));
      writeProject(dir, initialState(true));
      const h = await harness('', debug ? { debug: true } : {}, dir);
      const watcher = watchTree(dir, h.engine.changeFilter, { onChange: (f) => h.engine.fileChanged(f) });
      await watcher.ready;
      const log: string[] = [];
      try {
        h.engine.start();
        await waitState(h, 'running', 90_000, 0);
        const io: FileIO = {
          save: async (rel, text) => fs.writeFileSync(path.join(dir, rel), text),
          // The user's Cancel on the build the last save started (ReloadEngine.cancelBuild).
          cancelBuild: async () => {
            await waitUntil('a build to cancel', () => h.engine.cancelBuild(), 30_000);
          },
        };
        const model = new Model(dir, seed, io, true);
        // Polled like every step: "running" says the port listens, and a first request to a
        // server under Delve on a loaded machine once took over the 2 s a single GET allows.
        const first = expected(model.state);
        await waitUntil(`the first server serving ${first}`, async () => (await body(h.port)) === first, BOUND_MS).catch((e: Error) => {
          throw new Error(`${e.message}; debug target: ${JSON.stringify(h.engine.debugTarget ?? null)}`);
        });
        for (let i = 1; i <= steps; i++) {
          const from = h.states.length;
          const step = model.next();
          log.push(`${i}. ${step.what}`);
          await step.run();
          // Timed from the last write (the newest ctime: cp -p and mv keep old mtimes), not from the
          // step's start, which includes the model's own pauses.
          const t0 = Math.max(...[...projectFiles(model.state).keys()].map((rel) => fs.statSync(path.join(dir, rel)).ctimeMs));
          if (!compiles(model.state)) throw new Error('model: every step ends with code that compiles');
          const want = expected(model.state);
          await waitUntil(`step ${i} served: ${want}`, async () => (await body(h.port)) === want, BOUND_MS);
          (debug ? debugMs : all).push(Math.round(Date.now() - t0));
          // Nothing later may flip it back to stale code (a late event, a stale build).
          await h.engine.idle();
          await new Promise((r) => setTimeout(r, 150));
          await h.engine.idle();
          assert.equal(await body(h.port), want, `step ${i} still served once idle`);
          if (step.breaksFirst)
            assert.ok(
              h.states.slice(from).some((s) => s.kind === 'build-failed' || s.kind === 'building'),
              `step ${i} built`,
            );
          if (debug) debugTotal++;
          else total++;
        }
        for (const st of debug ? [] : h.states) {
          if (st.kind === 'running') {
            if (st.timings.trigger.endsWith('(restart only, no build)')) noBuild.restart++;
            if (st.timings.trigger.endsWith('(page reload only, no restart)')) noBuild.reload++;
          } else if (st.kind === 'error' && st.message === 'Build cancelled.') noBuild.cancelled++;
        }
      } catch (e) {
        (e as Error).message =
          `seed ${seed}${debug ? ' under Delve' : ''} (replay: GOPHER_RELOAD_MODEL_SEEDS=${seed} GOPHER_RELOAD_MODEL_STEPS=${steps}):\n  ${log.join('\n  ')}\n${(e as Error).message}\nlast states: ${h.states
            .slice(-6)
            .map((s) => s.kind)
            .join(' → ')}`;
        throw e;
      } finally {
        await watcher.close();
        await h.dispose();
      }
    });
  }

  after(() => {
    if (debugMs.length) {
      const sorted = [...debugMs].sort((a, b) => a - b);
      record({
        group: 'Load and faults',
        test: 'The last save always wins under the debugger: the same seeded random file changes with every server under Delve (gopherReload.debug)',
        figure: `${debugTotal} of ${DEBUG_STEPS} steps served exactly what the files say (seed ${DEBUG_SEED}); median ${sorted[Math.floor(sorted.length / 2)]} ms, slowest ${sorted[sorted.length - 1]} ms after the last write`,
      });
    }
    if (!all.length) return;
    const sorted = [...all].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    record({
      group: 'Load and faults',
      test: 'The last save always wins: seeded random file changes (writes, renames, cp -p restores, move-ins, delete + recreate, package switches, imports before the package exists, go.mod and embedded-file edits, files read at startup (restart, no build), templates re-read on every request (no restart), a Go save whose build is cancelled then a template save, bursts)',
      figure: `${total} of ${SEEDS.length * STEPS} steps served exactly what the files say (seeds ${SEEDS.join(', ')}; ${noBuild.restart} restarts and ${noBuild.reload} page reloads without a build, ${noBuild.cancelled} cancelled builds); median ${median} ms, slowest ${sorted[sorted.length - 1]} ms after the last write`,
    });
  });
});
