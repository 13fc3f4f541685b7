import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, get, waitFor } from './util';

/** A multi-root workspace: api/ (Gin) and svc/ (net/http) each get an engine; docs/ gets none. */
describe('Gopher Reload in VS Code: a multi-root workspace', function () {
  const ports = { api: Number(process.env.GOPHER_RELOAD_PORT), svc: Number(process.env.GOPHER_RELOAD_PORT2) };

  it('has one engine per folder with a go.mod, each with its own status', async () => {
    assert.equal(vscode.workspace.workspaceFolders?.length, 3);
    const a = await api();
    const roots = a
      .modules()
      .map((m) => path.basename(m.root))
      .sort();
    assert.deepEqual(roots, ['api', 'svc']);
  });

  it('starts and stops each module on its own', async () => {
    const a = await api();
    const byName = (n: string) => a.modules().find((m) => path.basename(m.root) === n)!;
    await vscode.commands.executeCommand('gopherReload.toggle', byName('svc').root);
    await waitFor('svc running', () => byName('svc').state.kind === 'running');
    assert.equal(await get(ports.svc), 'nethttp v1');
    assert.equal(byName('api').state.kind, 'stopped', 'the other module is untouched');
    await vscode.commands.executeCommand('gopherReload.toggle', byName('api').root);
    await waitFor('api running', async () => byName('api').state.kind === 'running' && (await get(ports.api)) === 'Hello from Gin v1');
    assert.match(byName('api').statusText, new RegExp(`:${ports.api}`));
    assert.match(byName('svc').statusText, new RegExp(`:${ports.svc}`));
    assert.equal(a.summaryText(), '$(pass-filled) 2 running', 'one summary item stands for both modules');
    await vscode.commands.executeCommand('gopherReload.stop', byName('svc').root);
    await waitFor('svc stopped', () => byName('svc').state.kind === 'stopped');
    assert.equal(byName('api').state.kind, 'running');
  });
});
