import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import * as path from 'node:path';
import type { BuildProblem } from '../../src/core/build/problem';
import { resolveConfig } from '../../src/core/config/config';
import { buildFailedHtml, editorLink } from '../../src/core/proxy/errorPage';
import { ProxyLink } from '../../src/core/proxy/proxyLink';
import { freePort } from '../../src/core/run/ports';
import type { EngineState } from '../../src/core/engine/state';

const failed: EngineState = { kind: 'build-failed', problems: [], output: '', serving: false, buildMs: 1 };

/*
 * The error page's file links when the files are on a remote machine: a desktop VS Code opens
 * `vscode://vscode-remote/<authority>/<path>` in that remote window; VS Code in a browser has no
 * link to follow, so the page shows the location as text instead of a link to a local path that
 * does not exist.
 */

const problem: BuildProblem = { file: '/home/me/my app/main.go', line: 3, column: 7, message: 'undefined: x', severity: 'error' };

function page(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { Accept: 'text/html' }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
  });
}

describe("the error page's file links in remote development (remote)", () => {
  it('local, remote (the window authority named, escaped as one segment) or none', () => {
    assert.equal(editorLink(problem), 'vscode://file/home/me/my%20app/main.go:3:7');
    assert.equal(editorLink(problem, { kind: 'local' }), 'vscode://file/home/me/my%20app/main.go:3:7');
    assert.equal(
      editorLink(problem, { kind: 'remote', authority: 'ssh-remote+devbox' }),
      'vscode://vscode-remote/ssh-remote+devbox/home/me/my%20app/main.go:3:7',
    );
    assert.equal(
      editorLink(problem, { kind: 'remote', authority: 'wsl+Ubuntu 22.04' }),
      'vscode://vscode-remote/wsl+Ubuntu%2022.04/home/me/my%20app/main.go:3:7',
    );
    assert.equal(
      editorLink(problem, { kind: 'remote', authority: 'ssh-remote+a/b?c#d' }),
      'vscode://vscode-remote/ssh-remote+a%2Fb%3Fc%23d/home/me/my%20app/main.go:3:7',
      'an authority cannot add path segments, a query or a fragment',
    );
    assert.equal(editorLink(problem, { kind: 'none' }), undefined);
    const text = buildFailedHtml([problem], '', true, { kind: 'none' });
    assert.ok(!text.includes('<a '), 'no link at all');
    assert.match(text, /<li>\/home\/me\/my app\/main\.go:3:7 undefined: x<\/li>/);
  });

  it('the proxy serves them as the editor said, also after a restart of the proxy (ProxyLink)', async () => {
    const proxyPort = await freePort();
    let { config } = resolveConfig(path.join(__dirname), { proxyPort, port: await freePort() });
    const link = new ProxyLink(() => config, { trace() {}, info() {}, warn() {}, error() {} });
    try {
      link.setEditorLinks({ kind: 'remote', authority: 'dev-container+7b22686f7374506174' });
      assert.equal(await link.ensure(), undefined);
      link.onState({ ...failed, problems: [problem] } as EngineState);
      assert.match(await page(proxyPort), /<a href="vscode:\/\/vscode-remote\/dev-container\+7b22686f7374506174\/home\/me\/my%20app\/main\.go:3:7">/);
      link.setEditorLinks({ kind: 'none' });
      assert.doesNotMatch(await page(proxyPort), /<a /);
      config = { ...config, proxyHoldMs: config.proxyHoldMs + 1 };
      assert.equal(await link.ensure(), undefined);
      link.onState({ ...failed, problems: [problem] } as EngineState);
      const after = await page(proxyPort);
      assert.match(after, /main\.go:3:7 undefined: x/);
      assert.doesNotMatch(after, /<a /, 'kept across the restart');
    } finally {
      await link.close();
    }
  });
});
