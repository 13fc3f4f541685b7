import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { isAlive, signalQuietly, waitFor } from '../../src/core/run/processTree';
import { groupIsOurs, readStat } from '../../src/core/run/procScan';
import { repoRoot, waitUntil, processesUnder, copyFixture } from '../support/helpers';
import { freePort } from '../../src/core/run/ports';

/**
 * When the process running the engine dies without any chance to clean up (SIGKILL: a crashed
 * extension host, a killed terminal), its servers must not survive it.
 */
describe('reaper: nothing outlives a killed parent', function () {
  it('kills the server tree (parent and port-holding child) after the CLI is SIGKILLed', async function () {
    if (process.platform !== 'linux') this.skip();
    const dir = copyFixture('stubborn');
    const port = await freePort();
    const cli = spawn(process.execPath, [path.join(repoRoot(), 'dist', 'cli.js'), dir, '--kill-delay-ms', '300'], {
      env: { ...process.env, PORT: String(port), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    cli.stdout.on('data', (b) => (out += b));
    await waitUntil('running', () => out.includes('● running'), 90_000);
    const servers = processesUnder(dir).map((p) => p.pid);
    assert.ok(servers.length >= 2, `server and child are up: ${JSON.stringify(processesUnder(dir))}`);
    cli.kill('SIGKILL');
    await waitUntil('the server tree is gone', () => servers.every((p) => !isAlive(p)), 5000);
  });

  it('kills what carries a registered tree marker (a daemon in its own session), keeps the "+<pid>" form, and spares other trees', async function () {
    if (process.platform !== 'linux') this.skip();
    const tag = randomBytes(6).toString('hex');
    const withTag = (name: string) =>
      fs
        .readdirSync('/proc')
        .filter((n) => /^\d+$/.test(n))
        .map(Number)
        .filter((pid) => {
          try {
            return isAlive(pid) && fs.readFileSync(`/proc/${pid}/environ`).includes(`GR_TEST_TAG=${tag}-${name}\0`);
          } catch {
            return false;
          }
        });
    // Every process also carries a variable whose value looks like the registered marker: only a
    // GOPHER_RELOAD_TREE variable of its own counts.
    const start = (name: string, script: string, marker?: string) =>
      spawn('sh', ['-c', script], {
        detached: true,
        stdio: 'ignore',
        env: { DECOY: `GOPHER_RELOAD_TREE=${tag}-m`, ...process.env, GR_TEST_TAG: `${tag}-${name}`, ...(marker ? { GOPHER_RELOAD_TREE: marker } : {}) },
      }).pid!;
    // A tree whose daemon went to its own session; the group leader stays (a server). It was
    // started from inside another tree, whose marker comes first.
    const marked = start('marked', 'setsid sleep 1000 & exec sleep 1000', `${tag}-outer,${tag}-m`);
    // Registered the old way: its group only.
    const plain = start('plain', 'exec sleep 1000');
    // Not registered at all, though it carries a marker too: never touched.
    const stranger = start('stranger', 'setsid sleep 1000 & exec sleep 1000', `${tag}-other`);
    const unmarked = start('unmarked', 'setsid sleep 1000 & exec sleep 1000');
    await waitFor(() => withTag('marked').length === 2 && withTag('stranger').length === 2 && withTag('unmarked').length === 2, 3000);
    const before = { marked: withTag('marked'), plain: withTag('plain'), stranger: [...withTag('stranger'), ...withTag('unmarked')] };
    assert.deepEqual([before.marked.length, before.plain.length, before.stranger.length], [2, 1, 4], JSON.stringify(before));

    const reaper = spawn(process.execPath, [path.join(repoRoot(), 'out', 'src', 'reaper', 'main.js')], { stdio: ['pipe', 'ignore', 'ignore'] });
    reaper.stdin.write(`+${marked} ${tag}-m\n+${plain}\n`);
    await new Promise((r) => setTimeout(r, 200)); // read and registered
    const gone = new Promise((r) => reaper.once('exit', r));
    reaper.stdin.end(); // the parent died
    await gone;
    try {
      assert.deepEqual(before.marked.filter(isAlive), [], 'the group and the daemon in its own session');
      assert.deepEqual(before.plain.filter(isAlive), [], 'the old form still works');
      assert.deepEqual(before.stranger.filter(isAlive), before.stranger, 'trees it was not told about');
    } finally {
      signalQuietly(-stranger, 'SIGKILL');
      signalQuietly(-unmarked, 'SIGKILL');
      for (const p of [...before.marked, ...before.plain, ...before.stranger]) signalQuietly(p, 'SIGKILL');
    }
  });

  it('a group whose leader pid now belongs to a younger process leading its own group is not ours', async function () {
    if (process.platform !== 'linux') this.skip();
    const leader = spawn('sleep', ['1000'], { detached: true, stdio: 'ignore' });
    const member = spawn('sleep', ['1000'], { stdio: 'ignore' }); // in our group, not leading one
    try {
      await waitFor(() => readStat(leader.pid!)?.pgid === leader.pid, 2000);
      const start = readStat(leader.pid!)!.start;
      assert.equal(groupIsOurs(leader.pid!, start), true, 'the leader we started');
      assert.equal(groupIsOurs(leader.pid!, start - 1), false, 'a younger process with that pid, leading its own group');
      assert.equal(
        groupIsOurs(member.pid!, readStat(member.pid!)!.start - 1),
        true,
        'a younger process with that pid in another group: the old group may still have members',
      );
      assert.equal(groupIsOurs(leader.pid!, 0), true, 'start unknown: trusted as before');
    } finally {
      leader.kill('SIGKILL');
      member.kill('SIGKILL');
    }
    // Reaped, not only dead: a zombie still has its /proc entry (and its pid).
    await waitFor(() => !isAlive(leader.pid!) && readStat(leader.pid!) === undefined, 5000);
    assert.equal(groupIsOurs(leader.pid!, 1), true, 'nobody has the pid: signalling the group reaches only what is left of ours');
  });
});
