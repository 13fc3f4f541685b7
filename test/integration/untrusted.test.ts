import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, editAndSave, get, waitFor } from './util';

/**
 * An untrusted workspace whose settings ask to start on open: nothing may be built or run,
 * even on save or on an explicit command, and the status bar says why.
 */
describe('Gopher Reload in VS Code: an untrusted workspace', function () {
  const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
  const port = Number(process.env.GOPHER_RELOAD_PORT);

  it('is not trusted (precondition)', () => assert.equal(vscode.workspace.isTrusted, false));

  it('runs nothing: not on open, not on save, not on Restart Server', async () => {
    const a = await api();
    const mod = await waitFor('module', () => a.modules()[0]);
    assert.match(mod.statusText, /untrusted/);
    assert.match(mod.tooltip, /not trusted/);
    await editAndSave(vscode.Uri.file(path.join(folder, 'main.go')), 'message = "nethttp v1"', 'message = "nethttp v2"');
    await vscode.commands.executeCommand('gopherReload.restart');
    await vscode.commands.executeCommand('gopherReload.start');
    await vscode.commands.executeCommand('gopherReload.toggle');
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(a.modules()[0].state.kind, 'stopped');
    assert.equal(await get(port), undefined);
    assert.deepEqual(a.modules()[0].serverPids, []);
  });
});
