import * as assert from 'node:assert/strict';
import { statusView, type StatusInput } from '../../src/extension/statusView';
import type { EngineState } from '../../src/core/engine/state';
import { summaryView, type SummaryEntry } from '../../src/extension/summaryView';
import { formatState } from '../../src/cli/format';

const base: Omit<StatusInput, 'state'> = { id: '/w/api', name: 'api', trusted: true, hotReload: true, configIssues: [] };
const view = (state: EngineState, extra: Partial<StatusInput> = {}) => statusView({ ...base, state, ...extra });

describe('status bar view (a pure function of state)', () => {
  const cases: { name: string; state: EngineState; extra?: Partial<StatusInput>; text: RegExp; tooltip?: RegExp; background?: 'error' | 'warning' }[] = [
    {
      name: 'off',
      state: { kind: 'stopped' },
      extra: { hotReload: false },
      text: /^\$\(circle-slash\) Gopher Reload: off$/,
      tooltip: /command:gopherReload\.toggle/,
    },
    { name: 'building', state: { kind: 'building', trigger: 'main.go', serving: true }, text: /\$\(loading~spin\).*building/, tooltip: /keeps serving/ },
    {
      name: 'building, under a second: the plain text (a quick rebuild does not flicker)',
      state: { kind: 'building', trigger: 'main.go', serving: true },
      extra: { progress: { done: 3, total: 180, elapsedMs: 900, phase: 'compiling', downloaded: 0 } },
      text: /^\$\(loading~spin\) Gopher Reload: building…$/,
    },
    {
      name: 'building with progress: packages done of the total, elapsed',
      state: { kind: 'building', trigger: 'start', serving: false },
      extra: { progress: { done: 37, total: 180, elapsedMs: 42_400, phase: 'compiling', current: 'github.com/gin-gonic/gin', downloaded: 0 } },
      text: /^\$\(loading~spin\) Gopher Reload: building 37\/180 · 42 s$/,
      tooltip: /Compiled 37 of at most 180 packages in 42 s\. Last: `github\.com\/gin-gonic\/gin`/,
    },
    {
      name: 'building with progress, no total known',
      state: { kind: 'building', trigger: 'start', serving: false },
      extra: { progress: { done: 1, elapsedMs: 1000, phase: 'compiling', downloaded: 0 } },
      text: /^\$\(loading~spin\) Gopher Reload: building 1 package · 1 s$/,
    },
    {
      name: 'building: downloading modules',
      state: { kind: 'building', trigger: 'start', serving: false },
      extra: { progress: { done: 0, total: 180, elapsedMs: 5000, phase: 'downloading', current: 'golang.org/x/net', downloaded: 7 } },
      text: /^\$\(loading~spin\) Gopher Reload: building: downloading modules · 5 s$/,
      tooltip: /downloaded 7 modules in 5 s/,
    },
    {
      name: 'building: linking, after two minutes',
      state: { kind: 'building', trigger: 'go.mod', serving: true },
      extra: { progress: { done: 180, total: 180, elapsedMs: 125_000, phase: 'linking', downloaded: 0 } },
      text: /^\$\(loading~spin\) Gopher Reload: building: linking · 2 min 05 s$/,
      tooltip: /keeps serving[\s\S]*Now linking the binary/,
    },
    {
      name: 'progress left over from a build is ignored once the state moved on',
      state: { kind: 'running', pid: 42, port: 8080, timings: { trigger: 'start', buildMs: 800 } },
      extra: { progress: { done: 37, total: 180, elapsedMs: 42_000, phase: 'compiling', downloaded: 0 } },
      text: /^\$\(pass-filled\) :8080$/,
    },
    {
      name: 'running after a reload',
      state: { kind: 'running', pid: 42, port: 8080, timings: { trigger: 'main.go', buildMs: 800, stopMs: 2, startToReadyMs: 14, saveToReadyMs: 412 } },
      text: /^\$\(pass-filled\) :8080, reloaded in 412 ms$/,
      tooltip: /Save → ready \| 412 ms[\s\S]*command:gopherReload\.restart[\s\S]*command:gopherReload\.openInBrowser/,
    },
    {
      name: 'running after a save served by the binary pre-built while typing',
      state: {
        kind: 'running',
        pid: 42,
        port: 8080,
        timings: { trigger: 'main.go', buildMs: 0, prebuilt: true, stopMs: 2, startToReadyMs: 14, saveToReadyMs: 60 },
      },
      text: /^\$\(pass-filled\) :8080, reloaded in 60 ms$/,
      tooltip: /Build \| none: pre-built while you typed \|/,
    },
    {
      name: 'running after the first start',
      state: { kind: 'running', pid: 42, port: 8080, timings: { trigger: 'start', buildMs: 800 } },
      text: /^\$\(pass-filled\) :8080$/,
    },
    {
      name: 'running on the new port after the server moved',
      state: { kind: 'running', pid: 43, port: 9090, timings: { trigger: 'main.go', buildMs: 500, saveToReadyMs: 700 } },
      text: /^\$\(pass-filled\) :9090, reloaded in 700 ms$/,
      tooltip: /http:\/\/localhost:9090/,
    },
    {
      name: 'a worker: running with no port, calm, not an error',
      state: { kind: 'running', pid: 44, noPort: true, timings: { trigger: 'worker.go', buildMs: 300, saveToReadyMs: 1900 } },
      text: /^\$\(pass-filled\) running \(no port\), reloaded in 1900 ms$/,
      tooltip: /listens on no TCP port \(a worker[\s\S]*set gopherReload\.port/,
    },
    {
      name: 'the server could not listen: its port is taken by another process',
      state: {
        kind: 'error',
        message: 'Port 8080 is in use by pid 7 (node), so your server could not listen.',
        hint: 'Gopher Reload did not touch that process. Stop it (kill 7), or move your server to another port.',
        lastOutput: ['listen tcp :8080: bind: address already in use'],
      },
      text: /^\$\(error\) Gopher Reload: error$/,
      tooltip: /could not listen[\s\S]*kill 7[\s\S]*address already in use/,
      background: 'error',
    },
    {
      name: 'build failed',
      state: {
        kind: 'build-failed',
        problems: [
          { file: '/a/main.go', line: 3, column: 2, message: 'undefined: x', severity: 'error' },
          { file: '/a/b.go', line: 1, message: 'y', severity: 'error' },
          { file: '/a/c.go', line: 1, message: 'z', severity: 'error' },
        ],
        output: '',
        serving: true,
        buildMs: 10,
      },
      text: /^\$\(error\) Build failed \(3\)$/,
      tooltip: /previous server keeps serving[\s\S]*main\.go:3/,
      background: 'error',
    },
    {
      name: 'crashed once, restarting',
      state: { kind: 'crashed', exitCode: 2, signal: null, lastOutput: ['panic: boom'], crashCount: 1, retryInMs: 500 },
      text: /^\$\(flame\) crashed: exit 2$/,
      tooltip: /Restarting in 500 ms[\s\S]*panic: boom/,
      background: 'error',
    },
    {
      name: 'a crash loop that gave up',
      state: { kind: 'crashed', exitCode: 1, signal: null, lastOutput: ['config: missing DATABASE_URL'], crashCount: 3 },
      text: /^\$\(flame\) crashing: exit 1 \(3 times\)$/,
      tooltip: /not restarted again until you save[\s\S]*missing DATABASE_URL[\s\S]*command:gopherReload\.restart\?/,
      background: 'error',
    },
    {
      name: 'error',
      state: { kind: 'error', message: 'Port 8080 is in use by pid 7 (nginx).', hint: 'Stop it.' },
      text: /error/,
      tooltip: /pid 7 \\\(nginx\\\)/,
      background: 'error',
    },
    { name: 'untrusted', state: { kind: 'stopped' }, extra: { trusted: false }, text: /untrusted/, tooltip: /workbench\.trust\.manage/, background: 'warning' },
    {
      name: 'a bad setting',
      state: { kind: 'stopped' },
      extra: { configIssues: ['gopherReload.port: expected a port'] },
      text: /stopped/,
      tooltip: /Settings: gopherReload\\\.port/,
    },
  ];
  it('tooltip links act on this server only (they carry its id)', () => {
    const v = view({ kind: 'stopped' });
    assert.ok(v.tooltip.includes(`command:gopherReload.start?${encodeURIComponent(JSON.stringify(['/w/api']))}`), v.tooltip);
  });
  for (const c of cases) {
    it(c.name, () => {
      const v = view(c.state, c.extra);
      assert.match(v.text, c.text);
      if (c.tooltip) assert.match(v.tooltip, c.tooltip);
      assert.equal(v.background, c.background);
    });
  }
});

describe('summary item for several servers (a pure function of their states)', () => {
  const entry = (name: string, state: EngineState, hotReload = true): SummaryEntry => ({ id: `/w#${name}`, name, hotReload, state, text: 'x' });
  const running: EngineState = { kind: 'running', pid: 1, port: 8081, timings: { trigger: 'start' } };

  it('counts servers by state: "3 running, 1 failed"', () => {
    const failed: EngineState = { kind: 'build-failed', problems: [], output: '', serving: false, buildMs: 1 };
    const v = summaryView([entry('api', running), entry('worker', running), entry('admin', running), entry('jobs', failed)], true);
    assert.equal(v.text, '$(error) 3 running, 1 failed');
    assert.equal(v.background, 'error');
    assert.match(v.tooltip, /\| jobs \|/);
    assert.ok(v.tooltip.includes(`command:gopherReload.restart?${encodeURIComponent(JSON.stringify(['/w#jobs']))}`), 'each row restarts its own server');
    assert.match(v.tooltip, /command:gopherReload\.restartAll[\s\S]*command:gopherReload\.stopAll/);
  });

  it('all running is calm; building spins; off is off', () => {
    assert.equal(summaryView([entry('a', running), entry('b', running)], true).text, '$(pass-filled) 2 running');
    assert.equal(
      summaryView([entry('a', { kind: 'building', trigger: 'x.go', serving: true }), entry('b', running)], true).text,
      '$(loading~spin) 1 running, 1 building',
    );
    assert.equal(summaryView([entry('a', { kind: 'stopped' }, false), entry('b', { kind: 'stopped' }, false)], true).text, '$(circle-slash) 2 off');
    assert.equal(
      summaryView([entry('a', { kind: 'crashed', exitCode: 1, signal: null, lastOutput: [], crashCount: 3 }), entry('b', running)], true).text,
      '$(error) 1 running, 1 crashed',
    );
  });

  it('untrusted says so', () => {
    const v = summaryView([entry('a', { kind: 'stopped' }), entry('b', { kind: 'stopped' })], false);
    assert.match(v.text, /untrusted/);
    assert.equal(v.background, 'warning');
  });
});

describe('CLI status line (a pure function of state)', () => {
  it('a worker runs with no port, in the calm colour, without an error mark', () => {
    const line = formatState({ kind: 'running', pid: 44, noPort: true, timings: { trigger: 'start', buildMs: 300, saveToReadyMs: 1600 } });
    assert.match(line, /● running \(no port\) \(pid 44\)/);
    assert.doesNotMatch(line, /✗|error/);
  });
  it('a server on its new port names that port', () => {
    assert.match(formatState({ kind: 'running', pid: 45, port: 9090, timings: { trigger: 'main.go' } }), /running on http:\/\/localhost:9090 \(pid 45\)/);
  });
});
