import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ProgressLine } from '../../src/cli/progressLine';
import { elapsedWords } from '../../src/core/build/buildProgress';
import { resolveConfig } from '../../src/core/config/config';
import { ReloadEngine } from '../../src/core/engine/engine';
import type { BuildProgress } from '../../src/core/engine/state';
import { stripAnsi } from '../../src/core/util/text';
import { copyFixture, processesUnder, TEST_TMP, waitUntil } from '../support/helpers';
import { runCli } from '../support/cliRun';

const at = (elapsedMs: number, done: number, extra: Partial<BuildProgress> = {}): BuildProgress => ({
  done,
  total: 180,
  elapsedMs,
  phase: 'compiling',
  downloaded: 0,
  ...extra,
});

/** What a terminal shows after the writes: \r returns to the line start, ESC[2K clears the line. */
function screen(written: string): string[] {
  const lines: string[] = [''];
  for (const part of written.split(/(\r|\x1b\[2K|\n)/)) {
    if (part === '\n') lines.push('');
    else if (part === '\x1b[2K' || part === '\r') lines[lines.length - 1] = part === '\r' ? lines[lines.length - 1] : '';
    else lines[lines.length - 1] += part;
  }
  // Colours (paint) are on when the tests run on a terminal: not what is checked here.
  return lines.map(stripAnsi);
}

describe('CLI: build progress', function () {
  this.timeout(300_000);

  it('on a terminal: one line rewritten in place, cleared before other output, a summary at the end', () => {
    let out = '';
    const line = new ProgressLine({ tty: true, write: (t) => (out += t) });
    line.update(at(300, 5));
    assert.equal(out, '', 'a build under a second shows nothing');
    line.update(at(1200, 37));
    line.update(at(1450, 41));
    assert.deepEqual(screen(out), ['⟳ building 41/180 packages, 1 s']);
    // Other output (the compiler, a server log) never lands behind a half line.
    line.clear();
    out += 'server: hello\n';
    line.update(at(2100, 90, { phase: 'linking' }));
    assert.deepEqual(screen(out), ['server: hello', '⟳ building: linking, 2 s']);
    line.update(at(2500, 0, { phase: 'compiling', total: undefined }));
    assert.deepEqual(screen(out), ['server: hello', '⟳ building… 2 s'], 'nothing counted yet (a pre-build step, go loading packages)');
    line.update(at(2600, 90, { phase: 'linking' }));
    line.update(undefined);
    assert.deepEqual(screen(out), ['server: hello', '  compiled 90 packages in 2 s', '']);
    assert.equal(out.split('\n').length, 3, 'exactly two lines were printed for good');
  });

  it('on a narrow terminal the line is cut, never wrapped (only its last row could be rewritten)', () => {
    let out = '';
    const line = new ProgressLine({ tty: true, write: (t) => (out += t), columns: () => 20 });
    line.update(at(61_000, 1234, { total: 5678 }));
    assert.deepEqual(screen(out), ['⟳ building 1234/567']);
    assert.ok(screen(out)[0].length < 20);
  });

  it('not a terminal: a plain line every interval at most, no escape codes; short builds print nothing', () => {
    let out = '';
    const line = new ProgressLine({ tty: false, write: (t) => (out += t), plainEveryMs: 5000 });
    for (let ms = 0; ms <= 12_000; ms += 250) line.update(at(ms, Math.floor(ms / 100), ms >= 11_000 ? { phase: 'linking' } : {}));
    line.update(undefined);
    assert.deepEqual(out.split('\n').map(stripAnsi), [
      'building: 10/180 packages, 1 s',
      'building: 60/180 packages, 6 s',
      'building: linking, 11 s',
      '  compiled 120 packages in 12 s',
      '',
    ]);
    out = '';
    line.update(at(200, 3));
    line.update(at(900, 8));
    line.update(undefined);
    assert.equal(out, '', 'a quick rebuild stays quiet');
    line.update(at(1500, 0, { phase: 'downloading', downloaded: 4, total: undefined }));
    line.update(undefined);
    assert.equal(stripAnsi(out), 'building: downloading modules (4), 1 s\n  downloaded 4 modules in 1 s\n');
    assert.equal(elapsedWords(125_400), '2 min 05 s');
  });

  it('a real cold build through the CLI (not a terminal): progress lines, then what was compiled; no package line', async function () {
    const dir = copyFixture('crash');
    const probe = new ReloadEngine(resolveConfig(dir, {}).config);
    const wired = 'onProgress' in probe;
    await probe.dispose();
    // The engine's onProgress event is wired by the lead (engine.ts); until then the CLI has nothing to show.
    if (!wired) this.skip();
    const deps = spawnSync('go', ['list', '-deps', '.'], { cwd: dir, encoding: 'utf8' }).stdout.trim().split('\n');
    const compiled = deps.filter((p) => p !== 'unsafe');
    const cache = fs.mkdtempSync(path.join(TEST_TMP, 'gocache-'));
    const cli = runCli([dir], { GOCACHE: cache, GOPHER_RELOAD_PROGRESS_EVERY_MS: '400' });
    try {
      await waitUntil('the first build ended', () => /crashed/.test(cli.out()), 240_000);
    } finally {
      await cli.stop();
      fs.rmSync(cache, { recursive: true, force: true });
    }
    const lines = cli.out().split('\n');
    const progress = lines.filter((l) => /^building: /.test(l));
    assert.ok(progress.length >= 1, cli.out());
    for (const l of progress) assert.match(l, /^building: (\d+(\/\d+)? packages?|linking|downloading modules \(\d+\)), \d+ s$/);
    const built = lines.findIndex((l) => l.startsWith('  compiled '));
    assert.equal(lines[built], `  compiled ${compiled.length} packages in ${/(\d+) s$/.exec(lines[built])?.[1]} s`);
    assert.ok(lines.indexOf(progress[0]) < built && built < lines.findIndex((l) => /crashed/.test(l)), cli.out());
    assert.ok(!lines.some((l) => deps.includes(l)), 'no package line of go build -v');
    assert.doesNotMatch(cli.out(), /[\r\x1b]/, 'no terminal codes in a log');
    assert.deepEqual(processesUnder(dir), []);
  });
});
