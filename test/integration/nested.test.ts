import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, get, waitFor } from './util';

/** A folder whose go.mod is one level down (server/go.mod): activation and the module root follow it. */
describe('Gopher Reload in VS Code: go.mod one folder down', function () {
  it('activates and runs the module in server/', async () => {
    const a = await api();
    const mods = a.modules();
    assert.equal(mods.length, 1);
    assert.equal(mods[0].root, path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'server'));
    await vscode.commands.executeCommand('gopherReload.toggle');
    await waitFor('running', async () => a.modules()[0].state.kind === 'running' && (await get(Number(process.env.GOPHER_RELOAD_PORT))) === 'nethttp v1');
  });
});
