import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { randomBytes } from 'node:crypto';
import { runCommand, stopLingering } from '../../src/core/build/command';
import { ServerProcess } from '../../src/core/run/server';
import { isAlive, waitFor } from '../../src/core/run/processTree';

/**
 * Output is text: a multi-byte character split across two pipe reads must arrive whole, for build
 * output and server output alike. The writer uses odd-sized writes (1001 bytes: never a multiple
 * of 3), so the reads cut through characters all the time.
 */
const EUROS = 300_000;
const writer = `
const buf = Buffer.from('€'.repeat(${EUROS}));
const out = process.argv[1] === 'stderr' ? process.stderr : process.stdout;
let i = 0;
(function next() {
  while (i < buf.length) {
    const ok = out.write(buf.subarray(i, i + 1001));
    i += 1001;
    if (!ok) return out.once('drain', next);
  }
})();
`;
const count = (s: string, ch: string) => s.split(ch).length - 1;
/** Live processes carrying GR_TEST_TAG=tag (a sleep's command line does not name the test). */
const tagged = (tag: string): number[] =>
  fs
    .readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((pid) => {
      try {
        return isAlive(pid) && fs.readFileSync(`/proc/${pid}/environ`).includes(`GR_TEST_TAG=${tag}\0`);
      } catch {
        return false;
      }
    });

describe('output: UTF-8 split across pipe reads', function () {
  for (const stream of ['stdout', 'stderr'] as const) {
    it(`runCommand collects ${EUROS.toLocaleString('en-US')} € on ${stream} with no U+FFFD`, async () => {
      let streamed = '';
      const r = await runCommand([process.execPath, '-e', writer, stream], { cwd: os.tmpdir(), env: process.env, onOutput: (t) => (streamed += t) }).done;
      assert.equal(r.ok, true, r.output.slice(0, 200));
      assert.equal(count(r.output, '\uFFFD'), 0, 'no replacement character in the result');
      assert.equal(count(streamed, '\uFFFD'), 0, 'no replacement character in what was streamed');
      assert.equal(count(r.output, '€'), EUROS);
      assert.equal(streamed, r.output);
    });
  }

  it(`a server's output: ${EUROS.toLocaleString('en-US')} € on stdout and on stderr with no U+FFFD`, async () => {
    const seen = { stdout: '', stderr: '' };
    const a = await ServerProcess.start(process.execPath, ['-e', writer, 'stdout'], { cwd: os.tmpdir(), env: process.env }, (t, s) => (seen[s] += t));
    const b = await ServerProcess.start(process.execPath, ['-e', writer, 'stderr'], { cwd: os.tmpdir(), env: process.env }, (t, s) => (seen[s] += t));
    await Promise.all([a.exited, b.exited]);
    // 'exit' may come before the last reads: wait for the characters (or give up and show why).
    await waitFor(() => count(seen.stdout, '€') + count(seen.stderr, '€') >= 2 * EUROS, 5000);
    for (const s of ['stdout', 'stderr'] as const) {
      assert.equal(count(seen[s], '\uFFFD'), 0, `no replacement character on ${s}`);
      assert.equal(count(seen[s], '€'), EUROS, s);
    }
    assert.ok(!isAlive(a.pid) && !isAlive(b.pid));
  });
});

describe('runCommand: a step is done when its own process exits', function () {
  before(function () {
    if (process.platform !== 'linux') this.skip();
  });

  it('does not wait for a background process that holds the output, reports it, and a plain command still ends on close', async () => {
    const owner = {};
    const t0 = performance.now();
    const r = await runCommand('echo before; sleep 1000 & echo after', { cwd: os.tmpdir(), env: process.env, timeoutMs: 60_000, owner }).done;
    const ms = performance.now() - t0;
    assert.equal(r.ok, true);
    assert.ok(ms < 2000, `done in ${Math.round(ms)} ms`);
    assert.match(r.output, /before\nafter\n/, "the step's own output is all there");
    assert.equal(r.lingering?.length, 1, `the background sleep is reported: ${r.lingering}`);
    const [sleep] = r.lingering!;
    assert.ok(isAlive(sleep), 'and left running: the user started it');
    await stopLingering({}); // another owner's: not this one's
    assert.ok(isAlive(sleep));
    await stopLingering(owner);
    assert.equal(isAlive(sleep), false, 'stopped when its owner stops');

    const plain = await runCommand(['sh', '-c', 'echo hi'], { cwd: os.tmpdir(), env: process.env }).done;
    // Ended on 'close' (the grace path always reports a list, maybe empty).
    assert.deepEqual([plain.ok, plain.output, plain.lingering], [true, 'hi\n', undefined]);
  });

  it('a background process that escaped into its own session is found too, and a timeout still kills the whole tree', async () => {
    const owner = {};
    const r = await runCommand('setsid sleep 1000 &', { cwd: os.tmpdir(), env: process.env, owner }).done;
    assert.equal(r.lingering?.length, 1);
    const escaped = r.lingering![0];
    await stopLingering(owner);
    assert.equal(isAlive(escaped), false);

    // One that cleared its environment cannot be told from a stranger: the step is still done,
    // a second later, with its output; the process is not ours to stop (the test stops it).
    const clearedTag = randomBytes(6).toString('hex');
    const t0 = performance.now();
    const cleared = await runCommand(`env -i GR_TEST_TAG=${clearedTag} setsid sleep 1000 & echo mine`, { cwd: os.tmpdir(), env: process.env, owner }).done;
    const clearedMs = performance.now() - t0;
    const unknown = tagged(clearedTag);
    for (const p of unknown) process.kill(p, 'SIGKILL');
    assert.deepEqual([cleared.ok, cleared.output, cleared.lingering], [true, 'mine\n', []]);
    assert.equal(unknown.length, 1, 'it was running, unseen');
    assert.ok(clearedMs < 3000, `done in ${Math.round(clearedMs)} ms`);

    const tag = randomBytes(6).toString('hex');
    const hung = await runCommand('setsid sleep 1000 & sleep 1000', { cwd: os.tmpdir(), env: { ...process.env, GR_TEST_TAG: tag }, timeoutMs: 300 }).done;
    assert.equal(hung.timedOut, true);
    assert.equal(hung.lingering, undefined);
    const left = await waitFor(() => tagged(tag).length === 0, 1000);
    assert.ok(left, `every sleep of that tree, the setsid one included, is gone: ${tagged(tag)}`);
  });
});
