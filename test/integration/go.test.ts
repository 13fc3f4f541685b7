import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, editAndSave, EXTENSION_ID, get, setDescribeContext, waitFor, type ModuleView } from './util';

/**
 * The extension in a real VS Code on a Go workspace (a copy of test/fixtures/nethttp whose
 * .vscode/settings.json sets PORT to a free port). Runs in order: each test builds on the last.
 */
describe('Gopher Reload in VS Code: a Go workspace', function () {
  const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
  const main = vscode.Uri.file(path.join(folder, 'main.go'));
  const port = Number(process.env.GOPHER_RELOAD_PORT);
  let mod: () => ModuleView;

  before(async () => {
    const a = await api();
    mod = () => a.modules()[0];
    setDescribeContext(() => `state: ${JSON.stringify(mod().state).slice(0, 600)}`);
  });

  it('activates on a workspace with go.mod and registers its commands', async () => {
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)!.isActive, true);
    const commands = await vscode.commands.getCommands(true);
    for (const c of ['restart', 'start', 'stop', 'toggle', 'showLogs', 'openInBrowser']) assert.ok(commands.includes(`gopherReload.${c}`), c);
    assert.equal(mod().root, folder);
  });

  it('is off until the user turns hot reload on; the status bar says so', async () => {
    assert.equal(mod().hotReload, false);
    assert.equal(mod().state.kind, 'stopped');
    assert.match(mod().statusText, /Gopher Reload: off/);
    assert.equal(await get(port), undefined);
  });

  it('Toggle Hot Reload builds and starts the server; the status bar shows the port', async () => {
    await vscode.commands.executeCommand('gopherReload.toggle');
    await waitFor('running', () => mod().state.kind === 'running');
    assert.equal(await get(port), 'nethttp v1');
    assert.match(mod().statusText, new RegExp(`:${port}`));
    assert.match(mod().tooltip, /command:gopherReload\.restart/);
  });

  it('saving an edited handler serves the new code', async () => {
    await editAndSave(main, 'message = "nethttp v1"', 'message = "nethttp v2"');
    await waitFor('v2', async () => (await get(port)) === 'nethttp v2');
    await waitFor('running', () => mod().state.kind === 'running');
    assert.match(mod().statusText, /reloaded in \d+ ms/);
  });

  it('a broken save lands in Problems with file, line and column; the old server keeps answering', async () => {
    await editAndSave(main, 'message = "nethttp v2"', 'message = "nethttp v3" + undefinedThing');
    await waitFor('build failed', () => mod().state.kind === 'build-failed');
    const diags = vscode.languages.getDiagnostics(main).filter((d) => d.source === 'go build');
    assert.equal(diags.length, 1, JSON.stringify(diags));
    assert.match(diags[0].message, /undefined: undefinedThing/);
    const text = (await vscode.workspace.openTextDocument(main)).getText().split('\n');
    const line = text.findIndex((l) => l.includes('undefinedThing'));
    assert.equal(diags[0].range.start.line, line);
    assert.equal(diags[0].range.start.character, text[line].indexOf('undefinedThing'));
    assert.equal(diags[0].severity, vscode.DiagnosticSeverity.Error);
    assert.match(mod().statusText, /Build failed \(1\)/);
    assert.equal(await get(port), 'nethttp v2', 'the previous server still answers');
  });

  it('fixing it clears Problems and serves the fix', async () => {
    await editAndSave(main, 'message = "nethttp v3" + undefinedThing', 'message = "nethttp v4"');
    await waitFor('v4', async () => (await get(port)) === 'nethttp v4');
    await waitFor('diagnostics cleared', () => vscode.languages.getDiagnostics(main).filter((d) => d.source === 'go build').length === 0);
  });

  it('Restart Server starts a new process that serves', async () => {
    const before = await waitFor('running', () => mod().state.kind === 'running' && mod().state);
    await vscode.commands.executeCommand('gopherReload.restart');
    await waitFor('new pid', () => mod().state.kind === 'running' && (mod().state as { pid: number }).pid !== (before as { pid: number }).pid);
    assert.equal(await get(port), 'nethttp v4');
  });

  it('a settings change applies without reloading the window', async () => {
    const cfg = vscode.workspace.getConfiguration('gopherReload', vscode.Uri.file(folder));
    const env = { ...(cfg.get<Record<string, string>>('env') ?? {}), GREETING_SUFFIX: 'x' };
    const pid = (mod().state as { pid: number }).pid;
    await cfg.update('env', env, vscode.ConfigurationTarget.Workspace);
    await waitFor('restart after settings change', () => mod().state.kind === 'running' && (mod().state as { pid: number }).pid !== pid);
  });

  it('the build step can be a VS Code task from tasks.json', async () => {
    const cfg = vscode.workspace.getConfiguration('gopherReload', vscode.Uri.file(folder));
    const pid = (mod().state as { pid: number }).pid;
    // tasks.json (written by the runner) has "build app": go build -o .gopher-reload/from-task .
    await cfg.update('binary', '.gopher-reload/from-task', vscode.ConfigurationTarget.Workspace);
    await cfg.update('buildTask', 'build app', vscode.ConfigurationTarget.Workspace);
    await waitFor('restart through the task', () => mod().state.kind === 'running' && (mod().state as { pid: number }).pid !== pid);
    assert.equal(await get(port), 'nethttp v4');
    assert.ok(
      vscode.window.terminals.some((t) => t.name.includes('build app')),
      `task terminal: ${vscode.window.terminals.map((t) => t.name)}`,
    );
    await cfg.update('buildTask', undefined, vscode.ConfigurationTarget.Workspace);
    await cfg.update('binary', undefined, vscode.ConfigurationTarget.Workspace);
    await waitFor('back on the default build', () => mod().state.kind === 'running');
  });

  it('toggling hot reload off stops the server and saves no longer rebuild', async () => {
    const pids = mod().serverPids;
    assert.ok(pids.length > 0);
    await vscode.commands.executeCommand('gopherReload.toggle');
    await waitFor('stopped', () => mod().state.kind === 'stopped');
    assert.equal(await get(port), undefined);
    assert.match(mod().statusText, /off/);
    await editAndSave(main, 'message = "nethttp v4"', 'message = "nethttp v5"');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(mod().state.kind, 'stopped');
    assert.equal(await get(port), undefined);
  });

  it('Start Server with hot reload off builds and serves what is on disk, and hot reload stays off; Stop Server stops it', async () => {
    assert.equal(mod().hotReload, false);
    await vscode.commands.executeCommand('gopherReload.start');
    await waitFor('v5 running', async () => mod().state.kind === 'running' && (await get(port)) === 'nethttp v5');
    assert.equal(mod().hotReload, false, 'Start Server does not turn hot reload on');
    assert.match(mod().tooltip, /Hot reload is off/);
    await vscode.commands.executeCommand('gopherReload.stop');
    await waitFor('stopped', () => mod().state.kind === 'stopped');
    assert.equal(await get(port), undefined);
  });

  it('turning hot reload back on builds the save made while it was off and serves it', async () => {
    await vscode.commands.executeCommand('gopherReload.toggle');
    await waitFor('v5 running', async () => mod().state.kind === 'running' && (await get(port)) === 'nethttp v5');
  });

  it('typing then pausing pre-builds the unsaved text; saving it swaps with no build', async () => {
    const doc = await vscode.workspace.openTextDocument(main);
    await vscode.window.showTextDocument(doc);
    const text = doc.getText();
    const edit = new vscode.WorkspaceEdit();
    edit.replace(main, new vscode.Range(doc.positionAt(0), doc.positionAt(text.length)), text.replace('message = "nethttp v5"', 'message = "nethttp v6"'));
    assert.ok(await vscode.workspace.applyEdit(edit), 'applyEdit');
    await new Promise((r) => setTimeout(r, 1000)); // a pause in typing (the pre-build starts after 300 ms)
    // The pre-build writes into its own marked scratch folder (never a user's <outputDir>/overlay).
    const out = path.join(folder, '.gopher-reload');
    const scratch = fs.readdirSync(out).filter((d) => d.startsWith('.gopher-reload-overlay-'));
    assert.ok(
      scratch.some((d) => fs.existsSync(path.join(out, d, 'overlay.json'))),
      `the pre-build started (its overlay file exists): ${scratch.join(', ')}`,
    );
    assert.equal(await get(port), 'nethttp v5', 'nothing is served before the save');
    assert.ok(await doc.save(), 'save');
    await waitFor('v6', async () => (await get(port)) === 'nethttp v6');
    await waitFor('running', () => mod().state.kind === 'running');
    const s = mod().state as { timings: { prebuilt?: boolean } };
    assert.equal(s.timings.prebuilt, true, JSON.stringify(s));
    assert.match(mod().tooltip, /pre-built while you typed/);
  });
});
