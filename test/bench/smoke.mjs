#!/usr/bin/env node
// The benchmark with tiny N, run by `npm test` so it cannot rot: every tool must serve every
// edit, and every section must be filled. It checks that the numbers exist, never what they are.
// Prints "bench: N passed, N failed, 0 skipped".
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { debugProblems } from './debugCheck.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'gopher-reload-bench-smoke-'));
// 18 min: the debug section's first switch compiles the standard library and Gin twice (~2 min).
const r = spawnSync(process.execPath, [path.join(here, 'run.mjs'), '--smoke', '--out', out], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 1_080_000 });
const checks = [];
const check = (title, ok) => {
  checks.push(ok);
  console.log(`  ${ok ? '✔' : '✗'} ${title}`);
};
const file = path.join(out, 'latest.json');
check('the benchmark ran to the end', r.status === 0 && fs.existsSync(file));
const res = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
for (const t of ['ours', 'floor', 'air-delay0']) {
  const s = res.saveToServing?.[t];
  check(`save → serving measured for ${t} (${s?.n}/${res.n} edits served)`, s?.n === res.n && s?.failed === 0);
}
check(
  'downtime measured for ours and air',
  ['ours', 'air-delay0'].every((t) => res.downtime?.[t]?.sent > 0),
);
check(
  'bursts measured (one build or more each)',
  ['saveAll', 'branchSwitch'].every((k) => res.bursts?.[k]?.ours?.buildsStarted >= 1),
);
check('the extension measured in VS Code Server', res.extension?.saveToServing?.n === res.n && res.extension?.idleHotReloadOn?.cpuPercent !== undefined);
check('template edits measured for ours and air, every edit served', res.templates?.length >= 4 && res.templates.every((t) => t.n >= 1 && !t.failed));
check(
  'typing in VS Code measured, with the floor under the same load',
  res.editorTyping?.delays?.['0']?.n >= 1 && res.editorTyping?.floor?.median !== undefined && res.editorTyping?.leftRunningAfterClose?.length === 0,
);
check('a Markdown table was written', fs.existsSync(path.join(out, 'latest.md')));
{
  // The debug bench: each row measured, under dlv where it should be, the first switch, nothing left.
  const problems = debugProblems(res.debug);
  check(
    `debug mode measured: --debug, normal and the debug floor, no dlv or server left${problems.length ? ` (${problems.join('; ')})` : ''}`,
    problems.length === 0,
  );
}
fs.rmSync(out, { recursive: true, force: true });
// The proxy's drain with an open event stream (sse.mjs), one reload each way.
const sseOut = fs.mkdtempSync(path.join(os.tmpdir(), 'gopher-reload-bench-sse-'));
const sse = spawnSync(process.execPath, [path.join(here, 'sse.mjs'), '--n', '1', '--out', sseOut], {
  stdio: ['ignore', 'inherit', 'inherit'],
  timeout: 300_000,
});
const sseRes = fs.existsSync(path.join(sseOut, 'sse.json')) ? JSON.parse(fs.readFileSync(path.join(sseOut, 'sse.json'), 'utf8')) : {};
check('save → serving measured with and without an open event stream', sse.status === 0 && sseRes.without?.n === 1 && sseRes.withOpenStream?.n === 1);
fs.rmSync(sseOut, { recursive: true, force: true });
const passed = checks.filter(Boolean).length;
console.log(`bench: ${passed} passed, ${checks.length - passed} failed, 0 skipped`);
process.exit(passed === checks.length ? 0 : 1);
