import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { isAlive } from '../../src/core/processTree';
import { repoRoot, waitUntil, processesUnder, copyFixture } from './helpers';
import { freePort } from '../../src/core/ports';

/**
 * When the process running the engine dies without any chance to clean up (SIGKILL: a crashed
 * extension host, a killed terminal), its servers must not survive it.
 */
describe('reaper: nothing outlives a killed parent', function () {
  it('kills the server tree (parent and port-holding child) after the CLI is SIGKILLed', async function () {
    if (process.platform !== 'linux') this.skip();
    const dir = copyFixture('stubborn');
    const port = await freePort();
    const cli = spawn(process.execPath, [path.join(repoRoot(), 'dist', 'cli.js'), dir, '--kill-delay-ms', '300'], { env: { ...process.env, PORT: String(port), NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    cli.stdout.on('data', (b) => (out += b));
    await waitUntil('running', () => out.includes('● running'), 90_000);
    const servers = processesUnder(dir).map((p) => p.pid);
    assert.ok(servers.length >= 2, `server and child are up: ${JSON.stringify(processesUnder(dir))}`);
    cli.kill('SIGKILL');
    await waitUntil('the server tree is gone', () => servers.every((p) => !isAlive(p)), 5000);
  });
});
