import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import * as path from 'node:path';
import type { BuildProblem } from '../../src/core/build/problem';
import { resolveConfig } from '../../src/core/config/config';
import type { EngineState } from '../../src/core/engine/state';
import { buildFailedHtml } from '../../src/core/proxy/errorPage';
import { ProxyLink } from '../../src/core/proxy/proxyLink';
import { freePort } from '../../src/core/run/ports';

/*
 * The error page's file links in remote development: the files are on the remote machine, so a
 * vscode://file link would open a path that does not exist on the user's. With file links off the
 * page shows each location as text.
 */

const problem: BuildProblem = { file: '/home/me/my app/main.go', line: 3, column: 7, message: 'undefined: x', severity: 'error' };
const failed: EngineState = { kind: 'build-failed', problems: [problem], output: '', serving: false, buildMs: 1 };

function page(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/users/1', headers: { Accept: 'text/html' }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
  });
}

describe("the error page's file links in remote development (remote)", () => {
  it('links by default, plain escaped text with file links off', () => {
    assert.match(
      buildFailedHtml([problem], '', true),
      /<li><a href="vscode:\/\/file\/home\/me\/my%20app\/main\.go:3:7">\/home\/me\/my app\/main\.go:3:7<\/a> undefined: x<\/li>/,
    );
    const text = buildFailedHtml([{ ...problem, file: '/home/<b>/main.go' }], '', true, false);
    assert.ok(!text.includes('<a '), 'no link at all');
    assert.match(text, /<li>\/home\/&lt;b&gt;\/main\.go:3:7 undefined: x<\/li>/);
  });

  it('the proxy serves them as the editor said, also after a restart of the proxy (ProxyLink.setFileLinks)', async () => {
    const proxyPort = await freePort();
    let { config } = resolveConfig(path.join(__dirname), { proxyPort, port: await freePort() });
    const link = new ProxyLink(() => config, { trace() {}, info() {}, warn() {}, error() {} });
    try {
      assert.equal(await link.ensure(), undefined);
      link.onState(failed);
      assert.match(await page(proxyPort), /<a href="vscode:\/\/file\/home\/me\/my%20app\/main\.go:3:7">/, 'on by default');
      link.setFileLinks(false);
      const off = await page(proxyPort);
      assert.match(off, /main\.go:3:7 undefined: x/);
      assert.doesNotMatch(off, /<a /);
      config = { ...config, proxyHoldMs: config.proxyHoldMs + 1 };
      assert.equal(await link.ensure(), undefined);
      link.onState(failed);
      const after = await page(proxyPort);
      assert.match(after, /main\.go:3:7 undefined: x/);
      assert.doesNotMatch(after, /<a /, 'kept across the restart');
    } finally {
      await link.close();
    }
  });
});
