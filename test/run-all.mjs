#!/usr/bin/env node
// The one test command (npm test): type-check, bundle, then every suite, with one summary line
// at the end ("N passed, N failed, N skipped") that CI reads.
import { spawnSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const totals = { passed: 0, failed: 0, skipped: 0 };
const notes = [];
/** What failed, one line each, printed again next to the totals: CI shows only the end of the log. */
const failures = [];

/**
 * The failures a mocha spec report lists after "N failing": each "  1) suite … title:" block and
 * the first line of its error.
 */
function failuresIn(title, out) {
  const lines = out.split('\n');
  let listing = false;
  for (let i = 0; i < lines.length; i++) {
    // A run's own list of tests numbers failures too ("    1) title"), indented deeper.
    if (/^\s*\d+ passing\b/.test(lines[i])) listing = false;
    if (/^\s*\d+ failing\s*$/.test(lines[i])) listing = true;
    const m = listing && /^ {2}\d+\) (.*)$/.exec(lines[i]);
    if (!m) continue;
    const name = [m[1].trim()];
    let j = i + 1;
    while (j < lines.length && lines[j].trim() && !name.at(-1).endsWith(':')) name.push(lines[j++].trim());
    while (j < lines.length && !lines[j].trim()) j++;
    // "Expected values to be strictly equal:" says little alone: the diff's lines follow it.
    let error = (lines[j] ?? '').trim();
    for (let k = j + 1; error.endsWith(':') && k < Math.min(lines.length, j + 8); k++) if (lines[k].trim()) error += ' ' + lines[k].trim();
    error = error.slice(0, 400);
    failures.push(`✗ ${title}: ${name.join(' › ').replace(/:$/, '')}${error ? `\n    ${error}` : ''}`);
    i = j;
  }
}

function step(title, cmd, args) {
  console.log(`\n▶ ${title}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`✗ ${title} failed (exit ${r.status ?? r.signal})`);
    console.log(`\ntests: ${totals.passed} passed, ${totals.failed + 1} failed, ${totals.skipped} skipped`);
    process.exit(1);
  }
}

/** Runs mocha with the spec reporter, echoing it, and adds its counts to the totals. */
function mocha(title, config) {
  console.log(`\n▶ ${title}`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'node_modules/mocha/bin/mocha.js'), '--config', config], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (b) => {
      out += b;
      process.stdout.write(b);
    });
    child.on('exit', (code) => {
      const n = (word) => Number(new RegExp(`(\\d+) ${word}`).exec(out)?.[1] ?? 0);
      const passed = n('passing');
      const failed = n('failing') || (code !== 0 && passed === 0 ? 1 : 0);
      totals.passed += passed;
      totals.failed += failed;
      totals.skipped += n('pending');
      notes.push(`${title}: ${passed} passed, ${failed} failed, ${n('pending')} skipped`);
      if (failed) failuresIn(title, out);
      resolve();
    });
  });
}

/** Runs a node script that ends with "<label>: N passed, N failed, N skipped" and adds it up. */
function suite(title, script, label) {
  console.log(`\n▶ ${title}`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, script)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b) => {
      out += b;
      process.stdout.write(b);
    });
    child.on('exit', (code) => {
      const m = new RegExp(`^${label}: (\\d+) passed, (\\d+) failed, (\\d+) skipped$`, 'm').exec(out);
      const [passed, failed, skipped] = m ? m.slice(1).map(Number) : [0, 1, 0];
      const f = failed || (code !== 0 ? 1 : 0);
      totals.passed += passed;
      totals.failed += f;
      totals.skipped += skipped;
      notes.push(`${title}: ${passed} passed, ${f} failed, ${skipped} skipped`);
      if (f) failuresIn(title, out);
      resolve();
    });
  });
}

const go = spawnSync('go', ['version'], { encoding: 'utf8' });
if (go.status !== 0) {
  console.error('✗ the Go toolchain is required for the tests (they build real Go projects): install Go and retry.');
  process.exit(1);
}
console.log(`using ${go.stdout.trim()}, node ${process.version}`);

// Debugging across reloads is tested against the real Delve: installed from the Go module proxy
// when this machine has none (pinned: the version the tests were written against), and its
// folder put on PATH for every suite.
const gobin = spawnSync('go', ['env', 'GOBIN', 'GOPATH'], { encoding: 'utf8' }).stdout.split('\n');
const dlvDir = gobin[0].trim() || path.join(gobin[1].trim().split(path.delimiter)[0], 'bin');
const hasDlv = () => spawnSync('dlv', ['version'], { env: { ...process.env, PATH: `${process.env.PATH}${path.delimiter}${dlvDir}` } }).status === 0;
if (!hasDlv()) step('install Delve (dlv) for the debugging tests', 'go', ['install', 'github.com/go-delve/delve/cmd/dlv@v1.27.2']);
process.env.PATH = `${process.env.PATH}${path.delimiter}${dlvDir}`;
console.log(`using ${spawnSync('dlv', ['version'], { encoding: 'utf8' }).stdout.split('\n')[1]?.trim() ?? 'dlv (version unknown)'}`);

step('type-check', process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', '.']);
// Lint: who may import what, no import cycles, no dropped promise (eslint.config.mjs), then the
// one format (Prettier); both read their own config, so `npm run lint` checks the same.
step('lint', process.execPath, [path.join(root, 'node_modules/eslint/bin/eslint.js'), 'src/**/*.ts']);
step('format', process.execPath, [path.join(root, 'node_modules/prettier/bin/prettier.cjs'), '--check', '.']);
step('bundle', process.execPath, ['esbuild.mjs']);
step('compile tests', process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'test/tsconfig.json']);
await mocha('core and CLI (plain Node, real Go builds)', 'test/unit/.mocharc.json');
await mocha('fault suite (load, faults, bad input, security)', 'test/faults/.mocharc.json');
await suite('extension in a real VS Code (VS Code Server + Chromium)', 'test/integration/run.mjs', 'host');
await suite('what a person sees (workbench in Chromium, Playwright)', 'test/integration/ui.mjs', 'ui');
await suite('in Chinese (VS Code Server --locale zh-cn)', 'test/integration/locale.mjs', 'locale');
await suite('the packaged .vsix installs and activates', 'test/integration/vsix.mjs', 'vsix');
await suite('benchmark smoke run (tiny N; numbers recorded, never asserted)', 'test/bench/smoke.mjs', 'bench');

if (failures.length) console.log('\nfailed:\n' + failures.join('\n'));
console.log('\n' + notes.join('\n'));
console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 ? 1 : 0);
