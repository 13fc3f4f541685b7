import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../src/core/run/ports';
import { harness, waitState, waitUntil } from '../support/helpers';
import { record } from './record';

const RELOADS = 100;

/** GET through the proxy; resolves with the body, or undefined for any failure (error, non-200). */
function get(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 20_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(res.statusCode === 200 ? body : undefined));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(undefined));
  });
}

describe('faults: the request-holding proxy', function () {
  it(`${RELOADS} reloads (a save, a real build, a swap each) under a steady request stream: no request fails`, async function () {
    if (process.platform === 'win32') this.skip();
    const proxyPort = await freePort();
    // nethttp has no graceful shutdown: SIGINT ends it with requests in flight, as most dev servers do.
    const h = await harness('nethttp', { proxyPort, killDelayMs: 500 });
    h.engine.start();
    await waitState(h, 'running', 90_000, 0);
    const main = path.join(h.dir, 'main.go');
    const original = fs.readFileSync(main, 'utf8');

    let sent = 0;
    let failed = 0;
    const versions = new Set<string>();
    let streaming = true;
    const client = async () => {
      while (streaming) {
        sent++;
        const b = await get(proxyPort);
        if (b === undefined) failed++;
        else versions.add(b);
      }
    };
    const clients = Array.from({ length: 4 }, client);
    const t0 = performance.now();
    for (let i = 1; i <= RELOADS; i++) {
      fs.writeFileSync(main, original.replace('"nethttp v1"', `"nethttp r${i}"`));
      h.engine.fileChanged(main);
      await waitUntil(`reload ${i} served`, async () => (await get(proxyPort)) === `nethttp r${i}`, 60_000);
    }
    streaming = false;
    await Promise.all(clients);
    const seconds = Math.round((performance.now() - t0) / 100) / 10;
    await h.dispose();
    record({
      group: 'Load and faults',
      test: `${RELOADS} reloads through the request-holding proxy (gopherReload.proxyPort) under a steady stream of requests from 4 clients`,
      figure: `${sent.toLocaleString('en-US')} requests in ${seconds} s, ${failed} failed; ${versions.size} server versions answered`,
    });
    assert.equal(failed, 0, `${failed} of ${sent} requests failed`);
    assert.ok(versions.size >= RELOADS / 2, `requests reached ${versions.size} versions`);
  });

  it('the proxy and its live-reload endpoints listen on loopback only, and allow no other origin', async function () {
    const lan = Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    const proxyPort = await freePort();
    const h = await harness('nethttp', { proxyPort });
    h.engine.start();
    await waitState(h, 'running', 90_000, 0);
    const fromLan = lan
      ? await new Promise<string>((resolve) => {
          const s = net.connect({ host: lan, port: proxyPort }, () => (s.destroy(), resolve('connected')));
          s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
        })
      : 'no non-loopback address on this machine';
    const cors = await new Promise<string | undefined>((resolve) => {
      const req = http.get(
        { host: '127.0.0.1', port: proxyPort, path: '/__gopher_reload/events', headers: { origin: 'http://evil.example' }, agent: false },
        (res) => {
          resolve(String(res.headers['access-control-allow-origin'] ?? 'none'));
          req.destroy();
        },
      );
      req.on('error', () => resolve(undefined));
    });
    await h.dispose();
    record({
      group: 'Security',
      test: 'The proxy and live-reload endpoints bind to loopback, same-origin only',
      figure: `from ${lan ?? 'the LAN'}: ${fromLan}; Access-Control-Allow-Origin for another origin: ${cors}`,
    });
    if (lan) assert.equal(fromLan, 'ECONNREFUSED');
    assert.equal(cors, 'none');
  });
});
