import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, get, waitFor } from './util';

/** A project with an .air.toml and no gopherReload settings (the runner writes the file). */
describe('Gopher Reload in VS Code: a project with .air.toml', function () {
  const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
  const port = Number(process.env.GOPHER_RELOAD_PORT);

  if (process.env.GOPHER_RELOAD_AIR === 'broken') {
    it('reports a syntax error with its line in the status bar tooltip, and runs on defaults', async () => {
      const a = await api();
      const mod = await waitFor('module', () => a.modules()[0]);
      assert.match(mod.tooltip, /\.air\\?\.toml line 5/);
    });
    return;
  }

  it('runs as air would: its build command and binary', async () => {
    const a = await api();
    await vscode.commands.executeCommand('gopherReload.toggle');
    await waitFor('running', async () => a.modules()[0].state.kind === 'running' && (await get(port)) === 'nethttp v1');
    assert.ok(fs.existsSync(path.join(folder, 'tmp', 'main')), 'built to tmp/main as .air.toml says');
  });

  it('Convert .air.toml to Settings writes them to the workspace settings', async () => {
    await vscode.commands.executeCommand('gopherReload.convertAirToml');
    const cfg = vscode.workspace.getConfiguration('gopherReload', vscode.Uri.file(folder));
    await waitFor(
      'settings written',
      () =>
        cfg.inspect('buildCommand')?.workspaceValue === 'go build -o ./tmp/main .' ||
        vscode.workspace.getConfiguration('gopherReload', vscode.Uri.file(folder)).inspect('buildCommand')?.workspaceValue === 'go build -o ./tmp/main .',
    );
    assert.equal(vscode.workspace.getConfiguration('gopherReload', vscode.Uri.file(folder)).inspect('binary')?.workspaceValue, './tmp/main');
  });
});
