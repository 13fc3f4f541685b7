import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, editAndSave, setDescribeContext, waitFor, type ModuleView } from './util';

/**
 * Next to gopls (the Go extension), a broken save shows each compile error once in Problems.
 * gopls cannot run in the test host, so test/fixtures/gopls-standin stands in for it: on
 * `goplsStandin.publish` it publishes a gopls-shaped diagnostic (source "compiler", the token's
 * range, the go/types message) for an identifier it finds in the file. Workspace: a copy of
 * gin-api. Runs in order: each test builds on the last.
 */
describe('Gopher Reload next to gopls: no duplicate diagnostics', function () {
  const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
  const file = vscode.Uri.file(path.join(folder, 'handlers', 'message.go'));
  let mod: () => ModuleView;

  const all = () => vscode.languages.getDiagnostics(file);
  const from = (source: string) => all().filter((d) => d.source === source);
  const ours = () => from('go build');
  const theirs = () => from('compiler');
  const show = () => JSON.stringify(all().map((d) => `${d.source} ${d.range.start.line}:${d.range.start.character} ${d.message}`));
  const publish = (entries: { identifier: string; message?: string; line?: number }[]) =>
    vscode.commands.executeCommand<{ line: number; character: number; message: string }[]>('goplsStandin.publish', file.toString(), entries);

  // Two errors; the second after a non-ASCII string, where the compiler's byte column and
  // gopls' UTF-16 column differ.
  const broken = 'const Message = "Hello from Gin v2" + nope\n\n// Second is a second error.\nvar Second = "héllo, 世界" + nope2\n';

  before(async () => {
    const a = await api();
    mod = () => a.modules()[0];
    setDescribeContext(() => `state: ${JSON.stringify(mod().state).slice(0, 400)}; diagnostics: ${show()}`);
    await waitFor('the stand-in', async () => (await vscode.commands.getCommands(true)).includes('goplsStandin.publish'));
  });

  after(async () => {
    await vscode.commands.executeCommand('goplsStandin.clear');
  });

  it('starts the server', async () => {
    await vscode.commands.executeCommand('gopherReload.toggle');
    await waitFor('running', () => mod().state.kind === 'running');
  });

  it("gopls' copy published before the build fails: Problems shows that error once, and the error gopls does not report is ours", async () => {
    // gopls answers as you type, so its copy is usually there before the build's.
    await editAndSave(file, 'const Message = "Hello from Gin v1"\n', broken);
    const twin = await publish([{ identifier: 'nope' }]);
    await waitFor('build failed', () => mod().state.kind === 'build-failed');
    await waitFor('nope2 from the build', () => ours().some((d) => d.message === 'undefined: nope2'));
    // The build's own "undefined: nope" is at the stand-in's start with the same message: hidden.
    const nope = all().filter((d) => d.message === 'undefined: nope');
    assert.equal(nope.length, 1, show());
    assert.equal(nope[0].source, 'compiler');
    assert.deepEqual([nope[0].range.start.line, nope[0].range.start.character], [twin[0].line, twin[0].character]);
    assert.deepEqual(
      ours().map((d) => d.message),
      ['undefined: nope2'],
      show(),
    );
  });

  it('the status bar still counts both build errors and links to Problems', () => {
    assert.equal(mod().state.kind, 'build-failed');
    assert.match(mod().statusText, /Build failed \(2\)/);
    assert.match(mod().tooltip, /command:workbench\.actions\.view\.problems/);
  });

  it("gopls' copy published after the build: ours goes, also where bytes and UTF-16 columns differ", async () => {
    const twins = await publish([{ identifier: 'nope' }, { identifier: 'nope2' }]);
    const line = (await vscode.workspace.openTextDocument(file)).lineAt(twins[1].line).text;
    assert.notEqual(Buffer.byteLength(line.slice(0, twins[1].character)), twins[1].character, 'the line has multi-byte characters before nope2');
    await waitFor('no build diagnostic left', () => ours().length === 0);
    assert.equal(theirs().length, 2, show());
    assert.match(mod().statusText, /Build failed \(2\)/);
  });

  it('does not loop or flicker: once settled, nothing changes Problems for this file', async () => {
    // onDidChangeDiagnostics is debounced (about 50 ms): let the last step's own event pass first.
    await new Promise((r) => setTimeout(r, 500));
    let changes = 0;
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === file.toString())) changes++;
    });
    try {
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      sub.dispose();
    }
    assert.equal(changes, 0);
    assert.equal(ours().length, 0, show());
  });

  it('same line, different message: both are shown', async () => {
    // A stale or different gopls error on the same token is not a copy of the build's.
    await publish([{ identifier: 'nope', message: 'undefined: nope (stale)' }]);
    await waitFor('both errors of the build back', () => ours().length === 2);
    assert.equal(theirs().length, 1, show());
    assert.equal(all().filter((d) => d.range.start.line === theirs()[0].range.start.line).length, 2, show());
  });

  it('gopls clears its copy while the build is still broken: ours comes back', async () => {
    await publish([{ identifier: 'nope' }, { identifier: 'nope2' }]);
    await waitFor('hidden again', () => ours().length === 0);
    await vscode.commands.executeCommand('goplsStandin.clear');
    await waitFor('ours back', () => ours().length === 2);
    assert.deepEqual(
      ours()
        .map((d) => d.message)
        .sort(),
      ['undefined: nope', 'undefined: nope2'],
    );
    // The build's column, converted to UTF-16, is where nope2 starts in the editor.
    const doc = await vscode.workspace.openTextDocument(file);
    const second = ours().find((d) => d.message === 'undefined: nope2')!;
    assert.equal(doc.getText(new vscode.Range(second.range.start, second.range.start.translate(0, 5))), 'nope2');
  });

  it('fixing the file clears ours and serves again', async () => {
    await editAndSave(file, broken, 'const Message = "Hello from Gin v3"\n');
    await vscode.commands.executeCommand('goplsStandin.clear');
    await waitFor('running', () => mod().state.kind === 'running');
    await waitFor('Problems empty', () => all().length === 0);
  });
});
