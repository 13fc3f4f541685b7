import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { harness, waitState } from '../unit/helpers';
import { freePort } from '../../src/core/ports';
import { record } from './record';

/**
 * The proxy as a server facing a browser and hostile pages, with the real Go app (test/fixtures/
 * proxyapi) behind it: header limits like Go's, slowloris connections closed, a failed build
 * that leaves the API working, DNS rebinding refused, the error page's CSP and escaping.
 */

interface Raw {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The socket error, when the connection broke (status 0 if no head came first). */
  error?: string;
}

/**
 * One request over a raw socket (any Host, any header size), read while it is written: a server
 * that refuses a huge head answers before it read it all and closes. Never throws.
 */
function raw(port: number, reqPath: string, headers: Record<string, string>, method = 'GET'): Promise<Raw> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let error: string | undefined;
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    s.on('close', () => resolve(parse(Buffer.concat(chunks).toString('latin1'), error)));
    s.setTimeout(30_000, () => s.destroy(new Error('timeout')));
    let head = `${method} ${reqPath} HTTP/1.1\r\n`;
    for (const [k, v] of Object.entries({ Connection: 'close', ...headers })) head += `${k}: ${v}\r\n`;
    // write, not end: a half-closed request is an aborted one to Node's server. Connection: close
    // makes the server close once it answered.
    s.write(`${head}\r\n`, 'latin1');
  });
}

function parse(text: string, error?: string): Raw {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return { status: 0, headers: {}, body: '', error: error ?? 'no answer' };
  const lines = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  let body = text.slice(end + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    let out = '';
    for (let at = 0; ; ) {
      const nl = body.indexOf('\r\n', at);
      const n = parseInt(body.slice(at, nl), 16);
      if (!(n > 0)) break;
      out += body.slice(nl + 2, nl + 2 + n);
      at = nl + 2 + n + 2;
    }
    body = out;
  }
  return { status: Number(lines[0].split(' ')[1]), headers, body: Buffer.from(body, 'latin1').toString('utf8'), error };
}

const kb = (n: number) => 'c=' + 'x'.repeat(n * 1024 - 2);

describe('faults: the proxy as a server (limits, timeouts, hosts, a failed build)', function () {
  it('a 20 KB cookie passes, a head Go accepts passes, a 2 MB head gets the 431 Go gives', async function () {
    const proxyPort = await freePort();
    const h = await harness('proxyapi', { proxyPort });
    h.engine.start();
    const running = await waitState(h, 'running', 90_000, 0);
    const appPort = running.appPort!;
    const rows: string[] = [];
    for (const size of [20, 1000]) {
      const through = await raw(proxyPort, '/api/cookie', { Host: `localhost:${proxyPort}`, Cookie: kb(size) });
      rows.push(`${size} KB cookie: ${through.status}, app saw ${through.body}`);
      assert.equal(through.status, 200, `${size} KB: ${through.error ?? through.body}`);
      assert.deepEqual(JSON.parse(through.body), { cookieBytes: size * 1024 });
    }
    const huge = { Host: 'localhost', 'X-Big': 'y'.repeat(2 << 20) };
    const direct = await raw(appPort, '/api/cookie', huge);
    const through = await raw(proxyPort, '/api/cookie', huge);
    rows.push(`2 MB header: Go ${direct.status}, proxy ${through.status}`);
    await h.dispose();
    record({ group: 'Security', test: 'Request header limits through the proxy match Go (net/http DefaultMaxHeaderBytes, 1 MB)', figure: rows.join('; ') });
    assert.equal(direct.status, 431, `Go's answer: ${direct.error}`);
    assert.equal(through.status, 431, `the proxy's answer: ${through.error}`);
  });

  it('a 20 KB response header from the app reaches the client (Go sends it)', async function () {
    const proxyPort = await freePort();
    const h = await harness('proxyapi', { proxyPort });
    h.engine.start();
    await waitState(h, 'running', 90_000, 0);
    const r = await raw(proxyPort, '/api/big-header?kb=20', { Host: 'localhost' });
    await h.dispose();
    record({ group: 'Security', test: 'A 20 KB response header (Set-Cookie) from the app passes the proxy', figure: `status ${r.status}, Set-Cookie ${(r.headers['set-cookie'] ?? '').length} bytes` });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers['set-cookie'].length, 'big='.length + 20 * 1024);
  });
});
