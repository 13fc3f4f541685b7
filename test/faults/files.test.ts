import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureOutputDir } from '../../src/core/build/buildPlan';
import { resolveConfig } from '../../src/core/config/config';
import { freePort } from '../../src/core/run/ports';
import { sweepStale } from '../../src/core/build/scratchDir';
import { Speculation } from '../../src/core/engine/speculation';
import { runCli } from '../support/cliRun';
import { body, copyFixture, edit, harness, processesUnder, TEST_TMP, waitState, waitUntil } from '../support/helpers';
import { record } from './record';

const quiet = { trace: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** /proc/<pid>: resident memory (MB) and CPU time used (s), Linux only. */
function usage(pid: number): { rssMb: number; cpuS: number } {
  const rss = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { rssMb: rss ? Number(rss[1]) / 1024 : 0, cpuS: (Number(f[11]) + Number(f[12])) / 100 };
}

/** Files the user owns are never deleted, and the tree of folders is watched without running away. */
describe('faults: files and folders', function () {
  it('A symlink to an ancestor (up -> ..) and to itself (self -> .): the CLI stays small, saves are served', async function () {
    if (process.platform !== 'linux') this.skip();
    const dir = copyFixture('symlinks');
    // The package folder moves outside the module and is linked back: that link must still be followed.
    const elsewhere = fs.mkdtempSync(path.join(TEST_TMP, 'elsewhere-'));
    fs.renameSync(path.join(dir, 'ext'), path.join(elsewhere, 'ext'));
    fs.symlinkSync(path.join(elsewhere, 'ext'), path.join(dir, 'ext'));
    fs.symlinkSync('..', path.join(dir, 'up'));
    fs.symlinkSync('.', path.join(dir, 'self'));
    fs.mkdirSync(path.join(dir, 'web'));
    fs.symlinkSync('../..', path.join(dir, 'web', 'root-up'));
    const port = await freePort();
    const cli = runCli([dir], { PORT: String(port) });
    let peakMb = 0;
    let cpu = 0;
    try {
      const t0 = usage(cli.proc.pid!);
      const started = Date.now();
      while (Date.now() - started < 10_000) {
        peakMb = Math.max(peakMb, usage(cli.proc.pid!).rssMb);
        await new Promise((r) => setTimeout(r, 200));
      }
      cpu = (usage(cli.proc.pid!).cpuS - t0.cpuS) / 10;
      assert.equal(await body(port), 'symlinks v1 ext1', cli.out());
      edit(path.join(dir, 'main.go'), 'symlinks v1', 'symlinks v2');
      await waitUntil('a save served', async () => (await body(port)) === 'symlinks v2 ext1', 60_000);
      edit(path.join(elsewhere, 'ext', 'ext.go'), 'ext1', 'ext2');
      await waitUntil('a save in the linked package served', async () => (await body(port)) === 'symlinks v2 ext2', 60_000);
    } finally {
      assert.equal(await cli.stop(), 0, cli.out());
    }
    assert.deepEqual(processesUnder(dir), []);
    assert.ok(peakMb < 150, `peak RSS ${peakMb.toFixed(0)} MB`);
    assert.ok(cpu < 0.3, `CPU ${(cpu * 100).toFixed(0)}%`);
    record({
      group: 'Load and faults',
      test: 'Symlinks that loop (up -> .., self -> ., web/root-up -> ../..) and one to a package outside the module',
      figure: `CLI peak RSS ${peakMb.toFixed(0)} MB, ${(cpu * 100).toFixed(1)}% CPU over its first 10 s; a save in the module and one in the linked package both served`,
    });
  });

  it('A user file in <outputDir>/overlay survives pre-builds (outputDir "deploy")', async () => {
    const dir = copyFixture('nethttp');
    const keep = path.join(dir, 'deploy', 'overlay', 'keep.txt');
    fs.mkdirSync(path.dirname(keep), { recursive: true });
    fs.writeFileSync(keep, 'my deploy overlay');
    const h = await harness('nethttp', { outputDir: 'deploy' }, dir);
    h.engine.start();
    await waitState(h, 'running');
    const main = path.join(dir, 'main.go');
    const text = fs.readFileSync(main, 'utf8');
    let started = 0;
    for (let i = 2; i <= 4; i++) {
      if (h.engine.speculate(new Map([[main, text.replace('nethttp v1', `nethttp v${i}`)]]))) started++;
      await h.engine.idle();
    }
    assert.equal(started, 3, 'three pre-builds ran');
    assert.equal(fs.readFileSync(keep, 'utf8'), 'my deploy overlay');
    const left = fs.readdirSync(path.join(dir, 'deploy'));
    assert.ok(
      left.some((n) => n.startsWith('.gopher-reload-overlay-')),
      `scratch folder of its own: ${left.join(', ')}`,
    );
    await h.dispose();
    assert.equal(fs.readFileSync(keep, 'utf8'), 'my deploy overlay');
    record({
      group: 'Bad input',
      test: 'A user file in <outputDir>/overlay during pre-builds (outputDir "deploy")',
      figure: `deploy/overlay/keep.txt intact after ${started} pre-builds; the engine wrote only into ${left
        .filter((n) => n.startsWith('.gopher-reload-overlay-'))
        .map(() => '.gopher-reload-overlay-<pid>-<random>')
        .join(', ')}`,
    });
  });

  it('The pre-build scratch folder: only ours is removed, and a stale one only when marked and its process is gone', async () => {
    const dir = copyFixture('nethttp');
    const { config } = resolveConfig(dir, {});
    const spec = new Speculation(() => config, quiet);
    spec.start(new Map([[path.join(dir, 'main.go'), fs.readFileSync(path.join(dir, 'main.go'), 'utf8')]]), process.env);
    await spec.settled();
    const ours = fs.readdirSync(config.outputDir).filter((n) => n.startsWith('.gopher-reload-overlay-'));
    assert.equal(ours.length, 1);
    await spec.dispose();
    assert.deepEqual(
      fs.readdirSync(config.outputDir).filter((n) => n.startsWith('.gopher-reload-overlay-')),
      [],
    );
    // A dead pid's folder with the marker goes; without the marker (not ours) it stays; a live pid's stays.
    const deadPid = 2 ** 22 + 1; // above Linux's pid_max
    const mk = (name: string, marker: boolean) => {
      fs.mkdirSync(path.join(config.outputDir, name));
      fs.writeFileSync(path.join(config.outputDir, name, 'file'), 'x');
      if (marker)
        fs.writeFileSync(path.join(config.outputDir, name, '.gopher-reload-scratch'), 'Gopher Reload scratch folder: deleted when its process ends.\n');
    };
    mk(`.gopher-reload-overlay-${deadPid}-aaaa`, true);
    mk(`.gopher-reload-overlay-${deadPid}-bbbb`, false);
    mk(`.gopher-reload-overlay-${process.pid}-cccc`, true);
    sweepStale(config.outputDir);
    assert.deepEqual(
      fs
        .readdirSync(config.outputDir)
        .filter((n) => n.startsWith('.gopher-reload-overlay-'))
        .sort(),
      [`.gopher-reload-overlay-${deadPid}-bbbb`, `.gopher-reload-overlay-${process.pid}-cccc`].sort(),
    );
  });

  for (const c of [
    { test: 'An outputDir that is the module root (".")', outputDir: '.', mentions: /"\." is the module root or a folder above it/ },
    { test: 'An outputDir that holds Go sources ("handlers")', outputDir: 'handlers', mentions: /"handlers" holds Go sources \(h\.go\)/ },
  ]) {
    it(c.test, () => {
      const dir = copyFixture('nethttp');
      fs.mkdirSync(path.join(dir, 'handlers'));
      fs.writeFileSync(path.join(dir, 'handlers', 'h.go'), 'package handlers\n');
      const { config, issues } = resolveConfig(dir, { outputDir: c.outputDir });
      assert.equal(issues.length, 1);
      assert.equal(issues[0].setting, 'outputDir');
      assert.match(issues[0].message, c.mentions);
      assert.equal(config.outputDir, path.join(dir, '.gopher-reload'), 'the default is used');
      record({ group: 'Bad input', test: c.test, figure: `gopherReload.outputDir: ${issues[0].message}` });
    });
  }

  it('The output folder never shows in git status (a .gitignore of * in it)', async () => {
    const dir = copyFixture('nethttp');
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: dir } });
    git('init', '-q');
    const h = await harness('nethttp', {}, dir);
    ensureOutputDir(resolveConfig(dir, {}).config); // what the engine's build does first (see the report)
    h.engine.start();
    await waitState(h, 'running');
    await h.dispose();
    const out = path.join(dir, '.gopher-reload');
    assert.ok(
      fs.readdirSync(out).some((n) => fs.statSync(path.join(out, n)).size > 1 << 20),
      'the binary is there',
    );
    const status = git('status', '--porcelain', '--untracked-files=all');
    assert.doesNotMatch(status, /\.gopher-reload/);
    assert.match(status, /main\.go/);
    // A folder the user made already is theirs: nothing is written into it; their .gitignore is kept.
    fs.mkdirSync(path.join(dir, 'deploy'));
    fs.writeFileSync(path.join(dir, 'deploy', 'app.yaml'), 'x');
    ensureOutputDir({ root: dir, outputDir: path.join(dir, 'deploy') });
    assert.equal(fs.existsSync(path.join(dir, 'deploy', '.gitignore')), false);
    fs.writeFileSync(path.join(dir, '.gopher-reload', '.gitignore'), 'mine\n');
    ensureOutputDir({ root: dir, outputDir: path.join(dir, '.gopher-reload') });
    assert.equal(fs.readFileSync(path.join(dir, '.gopher-reload', '.gitignore'), 'utf8'), 'mine\n');
    record({
      group: 'Bad input',
      test: 'git add -A after a run (binaries in the output folder)',
      figure: `git status lists ${status.trim().split('\n').length} files, none under .gopher-reload/ (${fs.readdirSync(path.join(dir, '.gopher-reload')).length} entries there)`,
    });
  });
});
