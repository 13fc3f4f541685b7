import * as assert from 'node:assert/strict';
import { pausedWhere, statusView, type StatusInput } from '../../src/extension/statusView';
import type { DebugTarget, EngineState } from '../../src/core/engine/state';

/** The status bar under Delve (gopherReload.debug): a pure function of the engine's state and debug target. */
const running: EngineState = {
  kind: 'running',
  pid: 41,
  port: 8080,
  timings: { trigger: 'handlers/users.go', buildMs: 900, stopMs: 20, startToReadyMs: 300, saveToReadyMs: 1300 },
};
const debug: DebugTarget = { generation: 3, host: '127.0.0.1', port: 40123, dlvPid: 40, pid: 41, binary: '/w/api/.gopher-reload/api', cwd: '/w/api' };
const base: StatusInput = { id: '/w/api', name: 'api', trusted: true, hotReload: true, configIssues: [], state: running, root: '/w/api' };
const view = (extra: Partial<StatusInput>) => statusView({ ...base, ...extra });

describe('extension: the status bar while debugging', () => {
  it('running under Delve: ":8080 · debugging", and the tooltip says where Delve listens and how to stop debugging', () => {
    const v = view({ debug });
    assert.equal(v.text, '$(debug-alt) :8080 · debugging');
    assert.match(v.tooltip, /Delve listens on 127\.0\.0\.1:40123 \(pid 40; the server is pid 41\)/);
    assert.match(v.tooltip, /command:gopherReload\.stopDebugging\?/);
    assert.equal(v.background, undefined);
  });

  it('without Delve the text is the plain one, and the tooltip offers Debug; under Delve it offers Stop Debugging instead', () => {
    const plain = view({});
    assert.doesNotMatch(plain.text, /debugging|paused/);
    assert.match(plain.tooltip, /\[\$\(debug-alt\) Debug\]\(command:gopherReload\.debugServer\?/);
    assert.doesNotMatch(view({ debug }).tooltip, /command:gopherReload\.debugServer/);
  });

  it('paused at a breakpoint: "paused at handlers/users.go:42", relative to the server root', () => {
    const v = view({ debug: { ...debug, paused: { reason: 'breakpoint', file: '/w/api/handlers/users.go', line: 42 } } });
    assert.equal(v.text, '$(debug-pause) paused at handlers/users.go:42');
    assert.match(v.tooltip, /answers no request until you continue/);
    assert.match(v.tooltip, /not counted as hung/);
  });

  it('paused before the stack is known: "paused"; on a panic: says so', () => {
    assert.equal(view({ debug: { ...debug, paused: { reason: 'breakpoint' } } }).text, '$(debug-pause) paused');
    const p = view({ debug: { ...debug, paused: { reason: 'panic', description: '"boom"', file: '/w/api/main.go', line: 7 } } });
    assert.equal(p.text, '$(debug-pause) paused on a panic at main.go:7');
    assert.match(p.tooltip, /panic: "boom"/);
  });

  it('a file outside the server (a dependency) keeps its full path', () => {
    assert.equal(
      pausedWhere({ reason: 'step', file: '/root/go/pkg/mod/github.com/gin-gonic/gin@v1.10.1/context.go', line: 185 }, '/w/api'),
      '/root/go/pkg/mod/github.com/gin-gonic/gin@v1.10.1/context.go:185',
    );
    assert.equal(pausedWhere({ reason: 'step', file: 'C:\\w\\api\\handlers\\users.go', line: 3 }, 'C:\\w\\api\\'), 'handlers/users.go:3');
    assert.equal(pausedWhere({ reason: 'step', file: '/w/apix/main.go', line: 1 }, '/w/api'), '/w/apix/main.go:1', 'a sibling folder is not inside');
  });

  it('a failed build while the old server is paused: both, with the error colour', () => {
    const v = view({
      state: {
        kind: 'build-failed',
        problems: [{ file: '/w/api/main.go', line: 3, column: 1, message: 'undefined: x', severity: 'error' }],
        output: '',
        serving: true,
        buildMs: 20,
      },
      debug: { ...debug, paused: { reason: 'breakpoint', file: '/w/api/handlers/users.go', line: 42 } },
    });
    assert.equal(v.text, '$(debug-pause) paused at handlers/users.go:42 · build failed (1)');
    assert.equal(v.background, 'error');
    assert.match(v.tooltip, /The build failed with 1 problem/);
  });

  it('building while paused: both; building with no server: the build', () => {
    const paused = { ...debug, paused: { reason: 'breakpoint', file: '/w/api/handlers/users.go', line: 42 } };
    assert.equal(
      view({ state: { kind: 'building', trigger: 'main.go', serving: true }, debug: paused }).text,
      '$(debug-pause) paused at handlers/users.go:42 · building…',
    );
    assert.match(view({ state: { kind: 'building', trigger: 'main.go', serving: false }, debug: paused }).text, /building…$/);
  });

  it('an untrusted workspace says so, whatever Delve does', () => {
    assert.match(view({ trusted: false, debug }).text, /untrusted/);
  });
});
