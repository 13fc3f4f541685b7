import * as assert from 'node:assert/strict';
import { statusView, type StatusInput } from '../../src/extension/statusView';
import type { EngineState } from '../../src/core/state';

const base: Omit<StatusInput, 'state'> = { name: 'api', trusted: true, hotReload: true, configIssues: [] };
const view = (state: EngineState, extra: Partial<StatusInput> = {}) => statusView({ ...base, state, ...extra });

describe('status bar view (a pure function of state)', () => {
  const cases: { name: string; state: EngineState; extra?: Partial<StatusInput>; text: RegExp; tooltip?: RegExp; background?: 'error' | 'warning' }[] = [
    { name: 'off', state: { kind: 'stopped' }, extra: { hotReload: false }, text: /^\$\(circle-slash\) Gopher Reload: off$/, tooltip: /command:gopherReload\.toggle/ },
    { name: 'building', state: { kind: 'building', trigger: 'main.go', serving: true }, text: /\$\(loading~spin\).*building/, tooltip: /keeps serving/ },
    {
      name: 'running after a reload',
      state: { kind: 'running', pid: 42, port: 8080, timings: { trigger: 'main.go', buildMs: 800, stopMs: 2, startToReadyMs: 14, saveToReadyMs: 412 } },
      text: /^\$\(pass-filled\) :8080, reloaded in 412 ms$/,
      tooltip: /Save → ready \| 412 ms[\s\S]*command:gopherReload\.restart[\s\S]*command:gopherReload\.openInBrowser/,
    },
    { name: 'running after the first start', state: { kind: 'running', pid: 42, port: 8080, timings: { trigger: 'start', buildMs: 800 } }, text: /^\$\(pass-filled\) :8080$/ },
    {
      name: 'build failed',
      state: { kind: 'build-failed', problems: [{ file: '/a/main.go', line: 3, column: 2, message: 'undefined: x', severity: 'error' }, { file: '/a/b.go', line: 1, message: 'y', severity: 'error' }, { file: '/a/c.go', line: 1, message: 'z', severity: 'error' }], output: '', serving: true, buildMs: 10 },
      text: /^\$\(error\) Build failed \(3\)$/,
      tooltip: /previous server keeps serving[\s\S]*main\.go:3/,
      background: 'error',
    },
    { name: 'crashed', state: { kind: 'crashed', exitCode: 1, signal: null, lastOutput: ['panic: boom'], crashCount: 3 }, text: /Crashed: exit 1 \(3 times\)/, tooltip: /panic: boom/, background: 'error' },
    { name: 'error', state: { kind: 'error', message: 'Port 8080 is in use by pid 7 (nginx).', hint: 'Stop it.' }, text: /error/, tooltip: /pid 7 \\\(nginx\\\)/, background: 'error' },
    { name: 'untrusted', state: { kind: 'stopped' }, extra: { trusted: false }, text: /untrusted/, tooltip: /workbench\.trust\.manage/, background: 'warning' },
    { name: 'a bad setting', state: { kind: 'stopped' }, extra: { configIssues: ['gopherReload.port: expected a port'] }, text: /stopped/, tooltip: /Settings: gopherReload\\\.port/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const v = view(c.state, c.extra);
      assert.match(v.text, c.text);
      if (c.tooltip) assert.match(v.tooltip, c.tooltip);
      assert.equal(v.background, c.background);
    });
  }
});
