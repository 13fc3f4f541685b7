#!/usr/bin/env node
// The large-app bench (issue 15): a generated Gin app of ~200 packages whose link takes seconds
// (test/bench/largeApp.mjs), measured side by side in one run: cold build to first serving (ours,
// floor), save → serving (ours, floor, floor with our -s -w, air with delay 0), the pre-built save
// and a plain save through the engine API with its timeline, peak memory, the package count, link
// time and binary size, and the cost of VCS stamping. Numbers are recorded, never asserted.
//   node test/bench/large.mjs [--n 3] [--out dir] [--packages 200] [--funcs 192] [--keep] [--warm-cache]
// --warm-cache: every tool uses your GOCACHE (a quick check of the code paths; the cold rows mean nothing then).
// Needs dist/cli.js (node esbuild.mjs) and out/src/core (npx tsc -p test/tsconfig.json).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ROOT, freePort, goVersion, killUnder, sleep, stats, untilServes } from './lib.mjs';
import { AIR_VERSION, airNoDelay, ensureAir, floor, floorOurFlags, ours } from './tools.mjs';
import { generateApp, handlerFile, messageSource } from './largeApp.mjs';
import { sampleMemory } from './largeMemory.mjs';
import { engineRows } from './largeEngine.mjs';
import { goBuildCosts, goListCost, linkTime, packageCounts, vcsStampCost } from './largeGo.mjs';
import { processesUnder } from '../support/index.mjs';

const START = 'large start';

/** One timed save: write the handler's new text, then until it is served (the floor builds and restarts by hand). */
async function save(tool, dir, port, text) {
  const t0 = performance.now();
  fs.writeFileSync(handlerFile(dir), messageSource(text));
  if (tool.name.startsWith('floor')) {
    await tool.build(dir);
    await tool.run(dir, port);
  }
  return untilServes(port, text, t0);
}

const ms = (x) => (x === undefined ? 'never served' : `${Math.round(x)} ms`);
const row = (label, values) => ({ label, ...stats(values), samples: values.map((v) => (v === undefined ? null : Math.round(v))) });

/**
 * Runs the whole large-app bench; writes `out`/large.json and returns the results. `n` timed
 * saves per row; the app is generated with `packages` packages of `funcs` functions each.
 */
export async function largeApp({ n = 3, out, packages = 200, funcs = 192, keep = false, warmCache = false, log = console.log }) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gopher-reload-large-'));
  const app = path.join(tmp, 'app');
  const results = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      loadAvgAtStart: os.loadavg().map((x) => Math.round(x * 10) / 10),
    },
    versions: { go: goVersion(), node: process.version, air: AIR_VERSION },
    n,
    app: { packages, funcs },
    warmCache,
    coldStart: {},
    saveToServing: {},
    prebuilt: undefined,
    memory: {},
  };
  const cache = (name) => path.join(tmp, `gocache-${name}`);
  const copy = (name) => {
    const dir = path.join(tmp, name);
    fs.cpSync(app, dir, { recursive: true });
    return dir;
  };
  const savedGoCache = process.env.GOCACHE;
  // Each tool builds with its own GOCACHE, empty for its first build (the cold start), so no tool
  // inherits another's compiled packages; the tools and the floor's `go` read it from the environment.
  // --warm-cache (a quick check of the code paths): everything shares the user's cache, no cold row is meaningful.
  const useCache = (name) =>
    (process.env.GOCACHE = warmCache ? (savedGoCache ?? spawnSync('go', ['env', 'GOCACHE'], { encoding: 'utf8' }).stdout.trim()) : cache(name));
  let running;
  try {
    generateApp(app, { packages, funcs, message: START });
    ensureAir(log);

    // ---- ours: the CLI as tools.mjs runs it (cold start, saves, memory of one more save) ----
    for (const [tool, dir] of [
      [ours(), copy('ours')],
      [floor(), copy('floor')],
    ]) {
      useCache(tool.name);
      const port = await freePort();
      log(`\n▶ ${tool.label}: cold build (empty GOCACHE) → first serving`);
      const t0 = performance.now();
      running = { tool, dir };
      const startP = tool.start(dir, port);
      const sample = () => sampleMemory(tool.child?.pid ?? process.pid, { toolRss: !!tool.child });
      const coldMem = sample();
      await startP;
      const cold = await untilServes(port, START, t0, 600_000, 20);
      results.coldStart[tool.name] = { label: tool.label, ms: cold === undefined ? null : Math.round(cold), memory: coldMem.stop() };
      log(`  first serving after ${ms(cold)}`);
      if (cold === undefined) throw new Error(`${tool.name} never served the first build (see ${tool.log ?? 'its log'})`);
      await sleep(3000); // ours asks go list after its first build: let it finish
      const variants = tool.name === 'floor' ? [tool, floorOurFlags()] : [tool];
      for (const v of variants) {
        if (v !== tool) {
          // floor-sw takes over the port with its own binary, built from what is on disk now.
          await tool.stop(dir);
          running = { tool: v, dir };
          await v.start(dir, port);
          await sleep(1000);
        }
        log(`\n▶ ${v.label}: save → serving ×${n}`);
        const times = [];
        for (let i = 1; i <= n; i++) {
          times.push(await save(v, dir, port, `${v.name} edit ${i}`));
          log(`  edit ${i}: ${ms(times.at(-1))}`);
          await sleep(1500);
        }
        results.saveToServing[v.name] = row(v.label, times);
      }
      // One more save, sampled: the timed ones above are not (each sample reads /proc).
      const mem = sample();
      const memMs = await save(running.tool, dir, port, `${tool.name} memory save`);
      await sleep(200);
      results.memory[tool.name] = { label: running.tool.label, ...mem.stop(), saveMs: memMs === undefined ? null : Math.round(memMs) };
      log(`  memory: ${JSON.stringify(results.memory[tool.name])}`);
      if (tool.name === 'ours') results.oursBuilds = tool.builds();
      await running.tool.stop(dir);
      running = undefined;
      if (tool.name === 'floor') {
        // The floor's warm cache and binaries: package counts, link time, binary sizes, where a save's build time goes.
        results.packagesCount = packageCounts(dir);
        log(`\n▶ the go command on its own: link time, a save's build by action, binary size`);
        results.link = linkTime(dir, log);
        results.goBuild = goBuildCosts(dir, log);
        results.goList = goListCost(dir, log);
        results.binaryBytes = { plain: results.goBuild.plain.binaryBytes, sw: results.goBuild.sw.binaryBytes };
      }
    }

    // ---- air, delay 0, on the floor's warm cache ----
    {
      useCache('floor');
      const tool = airNoDelay();
      const dir = path.join(tmp, 'floor'); // its warm cache holds this folder's packages (see the engine's rows)
      fs.writeFileSync(handlerFile(dir), messageSource(START));
      const port = await freePort();
      log(`\n▶ ${tool.label}: save → serving ×${n}`);
      running = { tool, dir };
      await tool.start(dir, port);
      if ((await untilServes(port, START, performance.now(), 600_000, 20)) === undefined) throw new Error(`air never served (see ${tool.log})`);
      await sleep(1500);
      const times = [];
      for (let i = 1; i <= n; i++) {
        times.push(await save(tool, dir, port, `air edit ${i}`));
        log(`  edit ${i}: ${ms(times.at(-1))}`);
        await sleep(1500);
      }
      results.saveToServing[tool.name] = row(tool.label, times);
      const mem = sampleMemory(tool.child.pid);
      const memMs = await save(tool, dir, port, 'air memory save');
      await sleep(200);
      results.memory[tool.name] = { label: tool.label, ...mem.stop(), saveMs: memMs === undefined ? null : Math.round(memMs) };
      log(`  memory: ${JSON.stringify(results.memory[tool.name])}`);
      await tool.stop(dir);
      running = undefined;
    }

    // ---- the engine API on ours' warm cache: pre-built saves and plain saves, with timelines ----
    {
      // Ours' folder and warm cache: the go command's cache keys hold the package folders (no
      // -trimpath), so a copy elsewhere would compile every package of the module again.
      const dir = path.join(tmp, 'ours');
      fs.writeFileSync(handlerFile(dir), messageSource(START));
      const port = await freePort();
      log(`\n▶ the engine (API, in this process): pre-built save and plain save ×${n}`);
      const r = await engineRows({ dir, port, n, env: { GOCACHE: warmCache ? process.env.GOCACHE : cache('ours') }, log });
      killUnder(dir);
      results.prebuilt = { ...row(`Gopher Reload (engine API, pre-built: ${r.prebuiltUsed}/${n} used)`, r.prebuilt), used: r.prebuiltUsed };
      results.saveToServing['ours-engine'] = row('Gopher Reload (engine API in-process, save)', r.save);
      results.engineTimeline = r.traces;
    }

    // ---- VCS stamping: the same app in a git repo, one-line edits ----
    {
      useCache('floor');
      const dir = path.join(tmp, 'floor'); // its warm cache holds this folder's packages (see above)
      log(`\n▶ VCS stamping: go build vs go build -buildvcs=false in a git repo ×5`);
      results.vcsStamping = vcsStampCost(dir, 5, log);
    }
  } finally {
    if (running) await running.tool.stop(running.dir).catch(() => undefined);
    if (savedGoCache === undefined) delete process.env.GOCACHE;
    else process.env.GOCACHE = savedGoCache;
    const left = processesUnder(tmp);
    results.leftoverProcesses = left.length;
    if (left.length) log(`! ${left.length} process(es) left under ${tmp}, killed: ${left.map((p) => p.cmd).join('; ')}`);
    killUnder(tmp);
    if (keep) log(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  }
  if (out) {
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'large.json'), JSON.stringify(results, null, 2) + '\n');
    log(`\nresults in ${path.join(out, 'large.json')}`);
  }
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values: o } = parseArgs({
    options: {
      n: { type: 'string' },
      out: { type: 'string' },
      packages: { type: 'string' },
      funcs: { type: 'string' },
      keep: { type: 'boolean' },
      'warm-cache': { type: 'boolean' },
    },
  });
  const outDir = path.resolve(o.out ?? path.join(ROOT, 'test', 'bench', 'results'));
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run node esbuild.mjs first');
  await largeApp({
    n: Number(o.n ?? 3),
    out: outDir,
    packages: Number(o.packages ?? 200),
    funcs: Number(o.funcs ?? 192),
    keep: !!o.keep,
    warmCache: !!o['warm-cache'],
  });
  process.exit(0); // the engine's reaper and watchers are gone; nothing else should keep the bench alive
}
