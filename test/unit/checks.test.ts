import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot, TEST_TMP } from '../support/helpers';

/**
 * test/support/checks.mjs, the check counting of the script-style suites (ui.mjs): a setup that
 * throws outside any check must fail the run (it used to print "skipped" and exit 0), and the
 * total must be the checks registered, however many ran.
 */
describe('test/support/checks.mjs: script suites count what they registered', () => {
  const checks = pathToFileURL(path.join(repoRoot(), 'test', 'support', 'checks.mjs')).href;
  function run(body: string): { code: number | null; out: string } {
    const file = path.join(TEST_TMP, `checks-${Math.random().toString(36).slice(2)}.mjs`);
    fs.writeFileSync(file, `import { checkPlan } from ${JSON.stringify(checks)};\nconst plan = checkPlan('t');\n${body}\nprocess.exit(plan.summary());\n`);
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 20_000 });
    fs.rmSync(file, { force: true });
    return { code: r.status, out: r.stdout + r.stderr };
  }

  it('a setup that throws outside any check is a failure (exit 1), and the checks it kept from running are skipped', () => {
    const r = run(`const a = plan.add('a'), b = plan.add('b');
await plan.section('workbench', async () => { await a(async () => {}); throw new Error('the workbench never opened'); });
await plan.section('later', async () => { await b(async () => {}); });`);
    assert.match(r.out, /workbench: failed outside any check/);
    assert.match(r.out, /^t: 2 passed, 1 failed, 0 skipped$/m);
    assert.equal(r.code, 1);
    const s = run(`const a = plan.add('a'), b = plan.add('b'), c = plan.add('c');
await plan.section('setup', async () => { throw new Error('no code-server'); });`);
    assert.match(s.out, /^t: 0 passed, 1 failed, 3 skipped$/m);
    assert.equal(s.code, 1);
  });

  it('a failed check stops its section and is counted once; the total is the registered checks', () => {
    const r = run(`const a = plan.add('a'), b = plan.add('b'), c = plan.add('c');
await plan.section('one', async () => { await a(async () => { throw new Error('boom'); }); await b(async () => {}); });
await plan.section('two', async () => { await c(async () => {}); });`);
    assert.match(r.out, /✗ a/);
    assert.doesNotMatch(r.out, /failed outside any check/);
    assert.match(r.out, /- b \(not run\)/);
    assert.match(r.out, /^t: 1 passed, 1 failed, 1 skipped$/m);
    assert.equal(r.code, 1);
  });

  it('an exception thrown later from a timer fails the run', () => {
    const r = run(`plan.add('a');
setTimeout(() => { throw new Error('late'); }, 5);
await new Promise((r) => setTimeout(r, 200));`);
    assert.match(r.out, /an exception outside any check/);
    assert.match(r.out, /^t: 0 passed, 1 failed, 1 skipped$/m);
    assert.equal(r.code, 1);
  });

  it('all registered checks passing exits 0', () => {
    const r = run(`const a = plan.add('a'), b = plan.add('b');
await plan.section('s', async () => { await a(async () => {}); await b(async () => {}); });`);
    assert.match(r.out, /^t: 2 passed, 0 failed, 0 skipped$/m);
    assert.equal(r.code, 0);
  });
});
