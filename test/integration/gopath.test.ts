import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, editAndSave, get, setDescribeContext, waitFor, type ModuleView } from './util';

/**
 * Issue 17: the extension host's PATH lacks Go's folder and GOROOT is unset (run.mjs starts VS Code
 * Server with PATH=/usr/bin:/bin), as when VS Code starts from a dock and the login shell's profile
 * does not add /usr/local/go/bin. The Go extension finds go there; so must we.
 */
describe('Gopher Reload in VS Code: Go is not on the extension host PATH', function () {
  const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
  const general = vscode.Uri.file(path.join(folder, 'handlers', 'general.go'));
  const port = Number(process.env.GOPHER_RELOAD_PORT);
  let mod: () => ModuleView;

  before(async () => {
    const a = await api();
    mod = () => a.modules()[0];
    setDescribeContext(() => `state: ${JSON.stringify(mod().state).slice(0, 600)}; go: ${mod().go}`);
  });

  it('the extension host really has no go on PATH and no GOROOT', () => {
    // code-server puts its own remote-cli folder first; no folder on PATH has a go.
    const withGo = (process.env.PATH ?? '').split(':').filter((d) => fs.existsSync(path.join(d, 'go')));
    assert.deepEqual(withGo, []);
    assert.equal(process.env.GOROOT, undefined);
  });

  it('hot reload builds and serves with go found at its default install location, and the log names it', async () => {
    await vscode.commands.executeCommand('gopherReload.toggle');
    await waitFor('running', () => mod().state.kind === 'running', 180_000);
    assert.ok(await get(port, '/health'), 'the server answers');
    const line = 'Using go at /usr/local/go/bin/go, found through a default install location (it is not on PATH).';
    assert.equal(mod().go, line);
    // The log as a user reads it: Show Logs opens the output channel as a document.
    await vscode.commands.executeCommand('gopherReload.showLogs');
    const log = await waitFor(
      'the Gopher Reload log document',
      () => vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'output' && /Gopher Reload/i.test(decodeURIComponent(d.uri.toString()))),
      10_000,
    ).catch(() => undefined);
    assert.ok(log, 'Show Logs opened the log');
    await waitFor('the log names the go', () => log.getText().includes(line), 10_000);
  });

  it('a save rebuilds with the same go', async () => {
    const before = mod().state;
    await editAndSave(general, '"status": "ok",', '"status": "ok", "go": "found",');
    await waitFor(
      'reloaded',
      () => mod().state.kind === 'running' && mod().state !== before && (mod().state as { pid: number }).pid !== (before as { pid: number }).pid,
    );
    await waitFor('new body', async () => (await get(port, '/health'))?.includes('"go":"found"'));
  });

  it('go.goroot (a GOROOT of its own) is followed at once: the next build runs that go, and the log says why', async () => {
    const goroot = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gopher-goroot-')), 'go');
    fs.symlinkSync('/usr/local/go', goroot);
    // Written into settings.json as a user would: without the Go extension, VS Code's API refuses
    // to write a setting nobody registered, but reads it.
    const file = path.join(folder, '.vscode', 'settings.json');
    const before = fs.readFileSync(file, 'utf8');
    const pid = (mod().state as { pid?: number }).pid;
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(before), 'go.goroot': goroot }, null, 2));
    try {
      await waitFor('rebuilt with go.goroot', () => mod().state.kind === 'running' && (mod().state as { pid: number }).pid !== pid && mod().go, 120_000);
      assert.equal(mod().go, `Using go at ${goroot}/bin/go, found through the go.goroot setting.`);
      assert.ok((await get(port, '/health'))?.includes('"go":"found"'));
    } finally {
      fs.writeFileSync(file, before);
    }
    await waitFor('back to the default location', () => mod().go.includes('default install location') && mod().state.kind === 'running', 120_000);
  });

  it('go.buildTags becomes -tags when gopherReload.buildFlags is unset: the tagged file is built in, and the log says so', async () => {
    const handlers = path.join(folder, 'handlers');
    fs.writeFileSync(path.join(handlers, 'edition.go'), '//go:build !gopherpro\n\npackage handlers\n\nconst Edition = "community"\n');
    fs.writeFileSync(path.join(handlers, 'edition_pro.go'), '//go:build gopherpro\n\npackage handlers\n\nconst Edition = "pro"\n');
    await editAndSave(general, '"status": "ok",', '"status": "ok", "edition": Edition,');
    await waitFor('community edition', async () => (await get(port, '/health'))?.includes('"edition":"community"'), 120_000);
    const file = path.join(folder, '.vscode', 'settings.json');
    const before = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(before), 'go.buildTags': 'gopherpro' }, null, 2));
    try {
      await waitFor('pro edition, built with go.buildTags', async () => (await get(port, '/health'))?.includes('"edition":"pro"'), 120_000);
      await vscode.commands.executeCommand('gopherReload.showLogs');
      const log = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'output' && /Gopher Reload/i.test(decodeURIComponent(d.uri.toString())));
      assert.ok(log, 'Show Logs opened the log');
      await waitFor(
        'the log says where the flags came from',
        () => log.getText().includes("build flags from the Go extension's settings: -tags gopherpro"),
        10_000,
      );
    } finally {
      fs.writeFileSync(file, before);
    }
    await waitFor('community again once go.buildTags is gone', async () => (await get(port, '/health'))?.includes('"edition":"community"'), 120_000);
  });

  it('Gopher Reload: Get Started opens the walkthrough', async () => {
    await vscode.commands.executeCommand('gopherReload.openWalkthrough');
    await waitFor(
      'the Welcome tab',
      () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => /welcome|walkthrough|gopher reload/i.test(t.label)),
      10_000,
    );
  });
});
