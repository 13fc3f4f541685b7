// The engine's own rows of the large-app bench, through its API in this process (the tsc output of
// src/core, as the unit tests use it): a save after a pre-build (speculate, then write exactly the
// text it was built from), and a plain save, each with the engine's log lines timed from the save,
// which says where the time of a save goes (watcher event, build, swap, first answer).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { ROOT, sleep, untilServes } from './lib.mjs';
import { handlerFile, messageSource } from './largeApp.mjs';

function loadCore() {
  const index = path.join(ROOT, 'out', 'src', 'core', 'index.js');
  if (!fs.existsSync(index)) throw new Error(`${index} is missing: compile it first with npx tsc -p test/tsconfig.json (npm run bench does)`);
  return createRequire(import.meta.url)(index);
}

/**
 * Runs the engine on `dir` (GOCACHE warm), serving on `port`; `n` pre-built saves and `n` plain
 * saves, alternating. Returns {prebuilt: ms[], prebuiltUsed, save: ms[], traces: {prebuilt, save}}.
 */
export async function engineRows({ dir, port, n, env, log = console.log }) {
  const { ReloadEngine, resolveConfig, watchTree } = loadCore();
  const { config, issues } = resolveConfig(dir, { killDelayMs: 1000, env: { PORT: String(port), ...env } });
  if (issues.length) throw new Error(`engine config issues: ${JSON.stringify(issues)}`);
  let lines = [];
  const note = (level) => (m) => lines.push({ at: performance.now(), level, m });
  const engine = new ReloadEngine(config, { trace: note('trace'), info: note('info'), warn: note('warn'), error: note('error') });
  engine.onState((s) => lines.push({ at: performance.now(), level: 'state', m: s.kind + (s.buildMs !== undefined ? ` (build ${s.buildMs} ms)` : '') }));
  const watcher = watchTree(dir, engine.changeFilter, { onChange: (p) => engine.fileChanged(p), onError: (e) => log(`  ! watcher: ${e.message}`) });
  const file = handlerFile(dir);
  const out = { prebuilt: [], prebuiltUsed: 0, save: [], traces: {} };
  try {
    await watcher.ready;
    engine.start();
    if ((await untilServes(port, 'large start', performance.now(), 300_000)) === undefined) throw new Error('the engine never served the first build');
    await engine.idle();
    await sleep(1000);
    for (let i = 1; i <= n; i++) {
      // Pre-built: the editor's pause hands the unsaved text to speculate(); the save writes exactly it.
      const text = messageSource(`prebuilt ${i}`);
      if (!engine.speculate(new Map([[file, text]]))) log('  ! speculate() refused to start a pre-build');
      const s0 = performance.now();
      await engine.idle(); // the pre-build has finished: the user paused long enough
      const specMs = performance.now() - s0;
      lines = [];
      const t0 = performance.now();
      fs.writeFileSync(file, text);
      const ms = await untilServes(port, `prebuilt ${i}`, t0);
      await engine.idle();
      const used = lines.some((l) => /pre-built while typing/.test(l.m));
      if (used) out.prebuiltUsed++;
      out.prebuilt.push(ms);
      out.traces.prebuilt = timeline(lines, t0, ms);
      log(`  pre-built ${i}: ${fmt(ms)} (pre-build took ${Math.round(specMs)} ms, ${used ? 'used' : 'NOT used'})`);
      await sleep(1000);

      lines = [];
      const t1 = performance.now();
      fs.writeFileSync(file, messageSource(`engine save ${i}`));
      const ms2 = await untilServes(port, `engine save ${i}`, t1);
      await engine.idle();
      out.save.push(ms2);
      out.traces.save = timeline(lines, t1, ms2);
      log(`  engine save ${i}: ${fmt(ms2)}`);
      await sleep(1000);
    }
  } finally {
    await watcher.close();
    await engine.dispose();
  }
  return out;
}

const fmt = (ms) => (ms === undefined ? 'never served' : `${Math.round(ms)} ms`);

/** The engine's lines as "+ms message" from the save, and the first answer's time last. */
function timeline(lines, t0, servedMs) {
  const t = lines.map((l) => `+${Math.round(l.at - t0)} ms ${l.level}: ${l.m}`);
  t.push(`+${servedMs === undefined ? '?' : Math.round(servedMs)} ms: first answer with the new text`);
  return t;
}
