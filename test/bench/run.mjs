#!/usr/bin/env node
// npm run bench: save-to-serving, downtime and bursts for Gopher Reload, air and the floor, on
// the Gin fixture, all in one run on this machine; then the extension's own costs in the real VS
// Code host. Writes test/bench/results/latest.{json,md} and media/bench.png, and the README's
// Performance section. Timing never fails anything: numbers are recorded, not asserted.
//   node test/bench/run.mjs [--n 20] [--smoke] [--out dir] [--no-extension] [--no-readme] [--no-debug]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, WORK, freePort, ginCopy, goVersion, requestStream, sleep, stats, untilServes, writeMessage } from './lib.mjs';
import { AIR_VERSION, airDefault, airNoDelay, airOurFlags, ensureAir, floor, ours, oursProxy } from './tools.mjs';
import { extensionCosts } from './extension.mjs';
import { editorTyping } from './editor.mjs';
import { templateBench } from './templates.mjs';
import { debugBench } from './debug.mjs';
import { findDlv } from './debugTools.mjs';
import { writeReport } from './report.mjs';

const { values: opt } = parseArgs({
  options: {
    n: { type: 'string' },
    smoke: { type: 'boolean' },
    out: { type: 'string' },
    'no-extension': { type: 'boolean' },
    'no-readme': { type: 'boolean' },
    'no-debug': { type: 'boolean' },
    tools: { type: 'string' },
    'extension-only': { type: 'boolean' },
    'report-only': { type: 'boolean' },
  },
});
const smoke = !!opt.smoke;
const N = Number(opt.n ?? (smoke ? 2 : 20));
const DOWNTIME_RELOADS = smoke ? 1 : 10;
const BURST = smoke ? { saveAll: 5, branch: 20 } : { saveAll: 20, branch: 500 };
const outDir = path.resolve(opt.out ?? path.join(ROOT, 'test', 'bench', 'results'));
fs.mkdirSync(WORK, { recursive: true });
fs.mkdirSync(outDir, { recursive: true });
const log = (m) => console.log(m);

/** The extension's save-to-serving rows: a save right after the edit, and a save after a pause (pre-built while typing). */
function editorRows(r) {
  if (r.extension?.saveToServing) r.saveToServing['ours-editor'] = { label: 'Gopher Reload (VS Code, save in editor)', ...r.extension.saveToServing };
  if (r.extension?.saveToServingPrebuilt) {
    r.saveToServing['ours-editor-prebuilt'] = {
      label: `Gopher Reload (VS Code, pre-built: ${r.extension.prebuiltUsed}/${r.extension.saveToServingPrebuilt.n})`,
      ...r.extension.saveToServingPrebuilt,
    };
  }
}

// The large app (node test/bench/large.mjs --out <this folder>) runs on its own, for long: its
// last result joins the report.
const largeFile = path.join(outDir, 'large.json');
const lastLarge = () => (fs.existsSync(largeFile) ? JSON.parse(fs.readFileSync(largeFile, 'utf8')) : undefined);
// The debug bench (node test/bench/debug.mjs) also runs alone: its last result is folded in too.
const debugFile = path.join(outDir, 'debug.json');
const lastDebug = () => (fs.existsSync(debugFile) ? JSON.parse(fs.readFileSync(debugFile, 'utf8')) : undefined);

if (opt['report-only']) {
  const last = JSON.parse(fs.readFileSync(path.join(outDir, 'latest.json'), 'utf8'));
  last.large = lastLarge();
  last.debug = lastDebug() ?? last.debug;
  await writeReport(last, outDir, { readme: !opt['no-readme'], chart: true });
  process.exit(0);
}

if (opt['extension-only']) {
  // Re-measure only the extension, keeping the rest of the last full run.
  const file = path.join(outDir, 'latest.json');
  const last = JSON.parse(fs.readFileSync(file, 'utf8'));
  log('▶ the extension in VS Code Server (only; the rest is from the last run)');
  last.extension = await extensionCosts({ n: last.n, idleMs: last.smoke ? 1000 : 60_000, generatedFiles: last.smoke ? 500 : 20_000 });
  editorRows(last);
  await writeReport(last, outDir, { readme: !opt['no-readme'] && !opt.out, chart: !opt.out });
  process.exit(0);
}

ensureAir(log);
if (!opt['no-debug']) findDlv(); // the debug section needs Delve: say so now, not after the other sections
// The smoke run (npm test) exercises every code path once: ours, the floor, and air (one variant;
// the others differ only in their .air.toml).
const chosen = opt.tools?.split(',') ?? (smoke ? ['ours', 'ours-proxy', 'floor', 'air-delay0'] : undefined);
const tools = [ours(), oursProxy(), floor(), airDefault(), airNoDelay(), airOurFlags()].filter((t) => !chosen || chosen.includes(t.name));
const results = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), os: `${os.type()} ${os.release()}` },
  versions: { go: goVersion(), node: process.version, air: AIR_VERSION },
  n: N,
  smoke,
  saveToServing: {},
  downtime: {},
  bursts: {},
  extension: undefined,
};

/** Start a tool on a fresh copy, wait for it to serve, run `body`, stop it, whatever happens. */
async function withTool(tool, body) {
  const dir = ginCopy(tool.name);
  const port = await freePort();
  writeMessage(dir, 'bench start');
  await tool.start(dir, port);
  try {
    const t = await untilServes(port, 'bench start', performance.now(), 120_000);
    if (t === undefined) throw new Error(`${tool.name} never served the first build (see ${tool.log ?? 'its log'})`);
    await sleep(500);
    return await body(dir, port);
  } finally {
    await tool.stop(dir);
  }
}

for (const tool of tools) {
  log(`\n▶ ${tool.label}: save → serving ×${N}`);
  const times = await withTool(tool, async (dir, port) => {
    const out = [];
    for (let i = 1; i <= N; i++) {
      const ms = await tool.reload(dir, port, `bench edit ${i}`);
      out.push(ms);
      log(`  edit ${i}: ${ms === undefined ? 'never served' : `${Math.round(ms)} ms`}`);
      await sleep(300); // let the tool settle so each edit is measured on its own
    }
    return out;
  });
  results.saveToServing[tool.name] = { label: tool.label, ...stats(times), samples: times.map((t) => (t === undefined ? null : Math.round(t))) };
}

for (const tool of tools.filter((t) => t.name !== 'floor')) {
  log(`\n▶ ${tool.label}: requests every 5 ms across ${DOWNTIME_RELOADS} reloads`);
  results.downtime[tool.name] = await withTool(tool, async (dir, port) => {
    const r = await requestStream(port, async () => {
      for (let i = 1; i <= DOWNTIME_RELOADS; i++) {
        await tool.reload(dir, port, `downtime ${i}`);
        await sleep(300);
      }
    });
    log(`  ${r.sent} requests, ${r.failed} failed, longest window without an answer ${r.longestGapMs} ms`);
    return { label: tool.label, reloads: DOWNTIME_RELOADS, ...r };
  });
}

for (const tool of tools.filter((t) => t.name === 'ours' || t.name === 'air-delay0')) {
  for (const [kind, count] of [
    ['saveAll', BURST.saveAll],
    ['branchSwitch', BURST.branch],
  ]) {
    log(`\n▶ ${tool.label}: ${kind} touching ${count} files`);
    const r = await withTool(tool, async (dir, port) => {
      const before = tool.builds();
      const genDir = path.join(dir, 'internal', 'gen');
      fs.mkdirSync(genDir, { recursive: true });
      const t0 = performance.now();
      for (let i = 0; i < count - 1; i++) fs.writeFileSync(path.join(genDir, `f${i}.go`), `package gen\n\nconst F${i} = ${i}\n`);
      writeMessage(dir, `${kind} done`);
      const ms = await untilServes(port, `${kind} done`, t0);
      await sleep(2500); // builds that start late still count
      return { label: tool.label, files: count, buildsStarted: tool.builds() - before, toFinalCodeMs: ms === undefined ? null : Math.round(ms) };
    });
    log(`  ${r.buildsStarted} build(s), final code served after ${r.toFinalCodeMs} ms`);
    (results.bursts[kind] ??= {})[tool.name] = r;
  }
}

log('\n▶ template edits (test/fixtures/gin-tmpl): ours against air');
results.templates = await templateBench({ n: smoke ? 1 : 10, out: outDir, log });

if (!opt['no-debug']) {
  log('\n▶ debug mode: save → serving with --debug, in normal mode, and the debug floor by hand');
  results.debug = await debugBench({ n: smoke ? 1 : 7, out: outDir, log });
}

if (!opt['no-extension']) {
  log('\n▶ the extension in VS Code Server: save from the editor → serving, activation, idle cost');
  results.extension = await extensionCosts({ n: N, idleMs: smoke ? 1000 : 60_000, generatedFiles: smoke ? 500 : 20_000 });
  editorRows(results);
  log('\n▶ typing in VS Code Server, with the floor under the same load');
  results.editorTyping = await editorTyping({ n: smoke ? 1 : 10, delays: smoke ? [0] : undefined, out: outDir, log });
}

for (const e of fs.readdirSync(WORK)) if (e !== 'bin') fs.rmSync(path.join(WORK, e), { recursive: true, force: true, maxRetries: 3 }); // keep the air binary
await writeReport(results, outDir, { readme: !opt['no-readme'] && !opt.out, chart: !opt.out });
log(`\nresults in ${path.relative(process.cwd(), outDir) || '.'}`);
