#!/usr/bin/env node
// Runs the integration suites inside a real VS Code: VS Code Server (code-server) here and on CI,
// and desktop VS Code through @vscode/test-electron when GOPHER_RELOAD_DESKTOP=1 and it can be
// downloaded. Each scenario opens its own fixture workspace (a fresh copy) and runs one test file.
// Prints "host: N passed, N failed, N skipped" for test/run-all.mjs to add up.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureCodeServer } from '../host/install.mjs';
import { runExtensionTests } from '../host/runTests.mjs';
import { freePort, processesUnder } from '../support/index.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const suite = path.join(root, 'out', 'test', 'integration', 'index.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gopher-reload-it-'));

function workspace(name, fixture, settings) {
  const dir = path.join(work, name);
  if (fixture) fs.cpSync(path.join(root, 'test', 'fixtures', fixture), dir, { recursive: true });
  else fs.mkdirSync(dir, { recursive: true });
  if (settings) {
    fs.mkdirSync(path.join(dir, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(dir, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
  }
  if (!fixture) fs.writeFileSync(path.join(dir, 'README.md'), '# not a Go project\n');
  if (fixture && settings) {
    // A build task for the "build step as a task" test.
    const tasks = {
      version: '2.0.0',
      tasks: [
        { label: 'build app', type: 'process', command: 'go', args: ['build', '-o', '.gopher-reload/from-task', '.'], problemMatcher: ['$go'] },
        { label: 'evil', type: 'process', command: 'touch', args: ['RAN-task'] },
      ],
    };
    fs.writeFileSync(path.join(dir, '.vscode', 'tasks.json'), JSON.stringify(tasks, null, 2));
  }
  return dir;
}

/** A folder with no go.mod at its top and one in server/ (activation: workspaceContains:*\/go.mod). */
function nestedWorkspace(name, port) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(path.join(root, 'test', 'fixtures', 'nethttp'), path.join(dir, 'server'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'README.md'), '# a repo with the Go module in server/\n');
  fs.mkdirSync(path.join(dir, '.vscode'));
  fs.writeFileSync(path.join(dir, '.vscode', 'settings.json'), JSON.stringify({ 'gopherReload.env': { PORT: String(port) } }));
  return dir;
}

/** A .code-workspace with api/ (Gin), svc/ (net/http) and docs/ (no Go); both servers on free ports. */
function multiRootWorkspace(name, port, port2) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(path.join(root, 'test', 'fixtures', 'gin-api'), path.join(dir, 'api'), { recursive: true });
  fs.cpSync(path.join(root, 'test', 'fixtures', 'nethttp'), path.join(dir, 'svc'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'docs'));
  fs.writeFileSync(path.join(dir, 'docs', 'README.md'), '# docs\n');
  const file = path.join(dir, 'multi.code-workspace');
  const folders = [{ path: 'api' }, { path: 'svc' }, { path: 'docs' }];
  fs.writeFileSync(file, JSON.stringify({ folders, settings: { 'gopherReload.killDelayMs': 500 } }, null, 2));
  // Per-folder settings: each server gets its own port.
  for (const [f, p] of [
    ['api', port],
    ['svc', port2],
  ]) {
    fs.mkdirSync(path.join(dir, f, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(dir, f, '.vscode', 'settings.json'), JSON.stringify({ 'gopherReload.env': { PORT: String(p) } }));
  }
  return file;
}

/** The "last save always wins" model's project (test/faults/model.ts, compiled), so the two cannot drift apart. */
async function modelWorkspace(name, port) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  const model = await import(pathToFileURL(path.join(root, 'out', 'test', 'faults', 'model.js')).href);
  const { writeProject, initialState } = model.writeProject ? model : model.default;
  writeProject(dir, initialState());
  fs.mkdirSync(path.join(dir, '.vscode'));
  fs.writeFileSync(
    path.join(dir, '.vscode', 'settings.json'),
    JSON.stringify({ 'gopherReload.env': { PORT: String(port) }, 'gopherReload.killDelayMs': 500 }, null, 2),
  );
  return dir;
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const scenarios = [
  { name: 'go', fixture: 'nethttp', trust: false, settings: (port) => ({ 'gopherReload.env': { PORT: String(port) }, 'gopherReload.killDelayMs': 500 }) },
  { name: 'plain', fixture: undefined, trust: false },
  {
    name: 'untrusted',
    fixture: 'nethttp',
    trust: true,
    // Everything a workspace could ask to run, each leaving a marker file if it ever ran.
    settings: (port) => ({
      'gopherReload.env': { PORT: String(port) },
      'gopherReload.startOnOpen': true,
      'gopherReload.preBuild': [['touch', 'RAN-prebuild']],
      'gopherReload.buildCommand': 'touch RAN-buildcommand',
    }),
    markers: ['RAN-prebuild', 'RAN-buildcommand', 'RAN-task'],
  },
  {
    name: 'multiroot',
    // Two Go modules and a folder without Go, opened as one multi-root workspace.
    multiRoot: true,
    trust: false,
  },
  {
    name: 'nested',
    nested: true,
    trust: false,
  },
  {
    name: 'air',
    fixture: 'nethttp',
    trust: false,
    airToml: 'template.air.toml',
    // Only PORT, through .env: any gopherReload setting would switch .air.toml off.
  },
  {
    name: 'air',
    label: 'air (broken .air.toml)',
    fixture: 'nethttp',
    trust: false,
    airToml: 'broken.air.toml',
    env: { GOPHER_RELOAD_AIR: 'broken' },
  },
  {
    name: 'chatty',
    fixture: 'chatty',
    trust: false,
    settings: (port) => ({ 'gopherReload.env': { PORT: String(port), CHATTY_MB: '200' }, 'gopherReload.startOnOpen': true }),
  },
  {
    name: 'services',
    fixture: 'services',
    trust: false,
    // Two servers sharing internal/shared, and one that dies at start (crash-loop backoff).
    settings: (port, port2) => ({
      'gopherReload.startOnOpen': true,
      'gopherReload.killDelayMs': 500,
      'gopherReload.postStop': [['touch', 'POST-STOP-RAN']],
      'gopherReload.services': [
        { name: 'api', package: './cmd/api', env: { PORT: String(port) } },
        { name: 'worker', package: './cmd/worker', env: { PORT: String(port2) } },
        { name: 'crasher', package: './cmd/crasher' },
      ],
    }),
  },
  {
    name: 'panicky',
    fixture: 'panicky',
    trust: false,
    // A Gin app in debug mode that panics on GET /boom (recovered) and crashes on GET /crash.
    settings: (port) => ({ 'gopherReload.env': { PORT: String(port), GIN_MODE: 'debug' }, 'gopherReload.startOnOpen': true, 'gopherReload.killDelayMs': 500 }),
  },
  {
    name: 'debug',
    fixture: 'gin-api',
    trust: false,
    // Hot reload on from the start; the test turns the debugger on and off itself (debug.test.ts).
    settings: (port) => ({ 'gopherReload.env': { PORT: String(port) }, 'gopherReload.startOnOpen': true, 'gopherReload.killDelayMs': 500 }),
  },
  {
    name: 'gopath',
    fixture: 'gin-api',
    trust: false,
    // The extension host's PATH lacks Go's folder and GOROOT is unset, as when VS Code starts from a
    // desktop launcher and the login shell's profile does not add /usr/local/go/bin (issue 17).
    env: { PATH: '/usr/bin:/bin', GOROOT: null },
    settings: (port) => ({ 'gopherReload.env': { PORT: String(port) }, 'gopherReload.killDelayMs': 500 }),
  },
  {
    name: 'gopls',
    fixture: 'gin-api',
    trust: false,
    // A stand-in for the Go extension publishing gopls-shaped diagnostics (test/fixtures/gopls-standin).
    extraExtensions: [path.join(root, 'test', 'fixtures', 'gopls-standin')],
    settings: (port) => ({ 'gopherReload.env': { PORT: String(port) }, 'gopherReload.killDelayMs': 500 }),
  },
  {
    name: 'remote',
    fixture: 'gin-api',
    trust: false,
    // Open in Browser and live reload through VS Code Server's own port forwarding (/proxy/<port>/).
    settings: (port) => ({ 'gopherReload.env': { PORT: String(port) }, 'gopherReload.killDelayMs': 500 }),
  },
  {
    name: 'model',
    // test/faults/model.ts's project and seeded steps; plain saves go through the editor.
    // GOPHER_RELOAD_MODEL_SEED / GOPHER_RELOAD_MODEL_STEPS (default 7 / 16) reach the suite through the env.
    model: true,
    trust: false,
  },
  {
    name: 'deactivate',
    fixture: 'nethttp',
    trust: false,
    // A build that takes 20 s: the run ends (and VS Code closes) while it is in progress.
    settings: (port) => ({
      'gopherReload.env': { PORT: String(port), BUILDWRAP_SLEEP: '20' },
      'gopherReload.buildCommand': [
        path.join(root, 'test', 'fixtures', 'tools', 'buildwrap.sh'),
        '${root}/.gopher-reload',
        'go',
        'build',
        '-o',
        '${binary}',
        '.',
      ],
    }),
  },
];

/** Host-level figures for the README's Reliability section (same file as the fault suite's). */
const reliability = process.env.GOPHER_RELOAD_RELIABILITY_OUT ?? path.join(root, 'test', 'results', 'reliability.json');
function record(f) {
  fs.mkdirSync(path.dirname(reliability), { recursive: true });
  const all = fs.existsSync(reliability) ? JSON.parse(fs.readFileSync(reliability, 'utf8')) : [];
  const i = all.findIndex((x) => x.test === f.test);
  if (i >= 0) all[i] = f;
  else all.push(f);
  fs.writeFileSync(reliability, JSON.stringify(all, null, 2) + '\n');
}

if (process.platform !== 'linux') {
  console.log(`VS Code Server host: skipped (this harness runs on Linux; platform is ${process.platform})`);
} else {
  await ensureCodeServer();
  const only = process.env.GOPHER_RELOAD_SCENARIOS?.split(',');
  for (const s of scenarios.filter((x) => !only || only.includes(x.name))) {
    const port = await freePort();
    const port2 = await freePort();
    const ws = s.model
      ? await modelWorkspace(s.name, port)
      : s.multiRoot
        ? multiRootWorkspace(s.name, port, port2)
        : s.nested
          ? nestedWorkspace(s.name, port)
          : workspace(s.label ? `${s.name}-broken` : s.name, s.fixture, s.settings?.(port, port2));
    if (s.airToml) {
      fs.copyFileSync(path.join(root, 'test', 'fixtures', 'air', s.airToml), path.join(ws, '.air.toml'));
      fs.writeFileSync(path.join(ws, '.env'), `PORT=${port}\n`);
    }
    console.log(`\n— scenario "${s.label ?? s.name}" in VS Code Server (code-server 4.100.3)${s.trust ? ', workspace trust on' : ''}`);
    let r;
    try {
      r = await runExtensionTests({
        extensionDevelopmentPath: root,
        extensionTestsPath: suite,
        extraExtensions: s.extraExtensions ?? [],
        workspace: ws,
        trust: s.trust,
        timeoutMs: 240_000,
        env: {
          GOPHER_RELOAD_SCENARIO: s.name,
          GOPHER_RELOAD_PORT: String(port),
          GOPHER_RELOAD_PORT2: String(port2),
          GOPHER_RELOAD_RELIABILITY_OUT: reliability,
          ...s.env,
        },
        printOutput: true,
      });
    } catch (e) {
      r = { passed: 0, failed: 1, failures: [{ title: s.name, error: String(e?.stack ?? e) }] };
    }
    totals.passed += r.passed ?? 0;
    totals.failed += r.failed ?? (r.ok ? 0 : 1);
    totals.skipped += r.pending ?? 0;
    for (const f of r.failures ?? []) console.log(`  ✗ ${f.title}\n    ${String(f.error).split('\n').slice(0, 6).join('\n    ')}`);
    // deactivate() must have stopped every server: nothing may run from the workspace now.
    await new Promise((res) => setTimeout(res, 500));
    const left = processesUnder(s.multiRoot ? path.dirname(ws) : ws);
    if (s.markers) {
      const ran = s.markers.filter((m) => fs.existsSync(path.join(ws, m)));
      record({
        group: 'Security',
        test: 'An untrusted workspace whose settings ask to start on open, with a preBuild step, a shell build command and a tasks.json task',
        figure: `${ran.length} of ${s.markers.length} commands ran (checked by marker files), no server started`,
      });
      if (ran.length) {
        totals.failed++;
        console.log(`  ✗ an untrusted workspace ran: ${ran.join(', ')}`);
      } else {
        totals.passed++;
        console.log('  ✓ the untrusted workspace ran nothing (no marker file)');
      }
    }
    if (s.name === 'model') {
      // The suite prints its measured figures (model.test.ts, after()); no line (a timeout), no row.
      const m =
        /model seed (\d+): served (\d+) of (\d+) steps; median (\d+) ms, slowest (\d+) ms after the last write; (\d+) served from a binary pre-built/.exec(
          r.output ?? '',
        );
      if (m)
        record({
          group: 'Load and faults',
          test: 'The last save always wins in a real VS Code: the same seeded model, plain saves typed and saved in the editor (some paused on long enough to pre-build, some with a draft left unsaved in another file)',
          figure: `${m[2]} of ${m[3]} steps served exactly what the files say (seed ${m[1]}); median ${m[4]} ms, slowest ${m[5]} ms after the last write; ${m[6]} served from a binary pre-built while typing`,
        });
    }
    if (s.name === 'debug') {
      // The scenario prints what it measured (debug.test.ts); no line (a failure, a timeout), no row.
      const m =
        /debug scenario: (\d+) of (\d+) requests stopped at the breakpoint in the server they were sent to, over (\d+) servers started under Delve/.exec(
          r.output ?? '',
        );
      if (m)
        record({
          group: 'Load and faults',
          test: 'Debugging across reloads in a real VS Code (Gin): a breakpoint set once, then saves, a failed build, a save while paused, Restart while paused, a panic, Stop in the toolbar',
          figure: `${m[1]} of ${m[2]} requests stopped at the breakpoint in the server they were sent to; ${m[3]} servers started under Delve; ${left.length} processes left`,
        });
    }
    if (s.name === 'deactivate')
      record({
        group: 'Load and faults',
        test: 'The VS Code window closed mid-build (real VS Code host)',
        figure: `${left.length} processes left after the extension host shut down`,
      });
    if (left.length) {
      totals.failed++;
      console.log(`  ✗ processes left behind after VS Code closed: ${left.map((p) => `${p.pid} ${p.cmd}`).join('; ')}`);
      for (const p of left)
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {}
    } else {
      totals.passed++;
      console.log('  ✓ no process survived the window (deactivate stopped every server)');
    }
  }
}

if (process.env.GOPHER_RELOAD_DESKTOP === '1') {
  console.log('\n— desktop VS Code (@vscode/test-electron)');
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, [path.join(root, 'test', 'integration', 'desktop.mjs')], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  process.stdout.write(r.stdout ?? '');
  const m = /^desktop: (\d+) passed, (\d+) failed/m.exec(r.stdout ?? '');
  totals.passed += m ? Number(m[1]) : 0;
  totals.failed += m ? Number(m[2]) : 1;
} else {
  console.log(
    '\ndesktop VS Code (@vscode/test-electron): skipped, because it downloads VS Code and this machine cannot; set GOPHER_RELOAD_DESKTOP=1 where it can (or VSCODE_EXECUTABLE to an installed VS Code).',
  );
}
fs.rmSync(work, { recursive: true, force: true });
console.log(`\nhost: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed ? 1 : 0);
