import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, editAndSave, get, setDescribeContext, waitFor, type Api, type ModuleView } from './util';

/**
 * gopherReload.services in a real VS Code: three servers of one module (api and worker share
 * internal/shared; crasher dies at start). Each has its own engine, terminal, Problems source and
 * state; one summary item stands for all; a change rebuilds only the services that import it.
 */
describe('Gopher Reload in VS Code: several services in one module', function () {
  const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
  const ports = { api: Number(process.env.GOPHER_RELOAD_PORT), worker: Number(process.env.GOPHER_RELOAD_PORT2) };
  const file = (rel: string) => vscode.Uri.file(path.join(folder, rel));
  let a: Api;
  const svc = (name: string): ModuleView => a.modules().find((m) => m.id === `${folder}#${name}`)!;

  before(async () => {
    a = await api();
    setDescribeContext(
      () =>
        a
          .modules()
          .map((m) => `${m.name}: ${m.state.kind} ${m.statusText}`)
          .join('; ') + ` | summary: ${a.summaryText()}`,
    );
  });

  it('runs each service as its own server; the crashing one backs off and says so', async () => {
    assert.deepEqual(
      a
        .modules()
        .map((m) => m.name)
        .sort(),
      ['api', 'crasher', 'worker'],
    );
    await waitFor('api and worker running', () => svc('api').state.kind === 'running' && svc('worker').state.kind === 'running');
    assert.equal(await get(ports.api), 'api: shared v1 / apionly v1');
    assert.equal(await get(ports.worker), 'worker: shared v1 / workeronly v1');
    // 0.5 + 1 + 2 s of backoff, then it waits for a save.
    await waitFor(
      'crasher gave up',
      () => {
        const s = svc('crasher').state;
        return s.kind === 'crashed' && s.crashCount > 3 && !s.retryInMs;
      },
      60_000,
    );
    assert.match(svc('crasher').statusText, /crashing: exit 1 \(\d times\)/);
    assert.match(svc('crasher').tooltip, /DATABASE_URL is not set[\s\S]*command:gopherReload\.restart/);
    assert.equal(a.summaryText(), '$(error) 2 running, 1 crashed');
  });

  it('a package only api imports rebuilds api only', async () => {
    const workerPids = svc('worker').serverPids.join();
    const apiPids = svc('api').serverPids.join();
    await editAndSave(file('internal/apionly/apionly.go'), 'apionly v1', 'apionly v2');
    await waitFor('api serves v2', async () => (await get(ports.api)) === 'api: shared v1 / apionly v2');
    assert.notEqual(svc('api').serverPids.join(), apiPids);
    assert.equal(svc('worker').serverPids.join(), workerPids, 'worker was not restarted');
    assert.equal(svc('crasher').state.kind, 'crashed', 'crasher does not import it either');
  });

  it('a shared package rebuilds both services that import it', async () => {
    await editAndSave(file('internal/shared/shared.go'), 'shared v1', 'shared v2');
    await waitFor(
      'both serve shared v2',
      async () => (await get(ports.api))?.startsWith('api: shared v2') && (await get(ports.worker))?.startsWith('worker: shared v2'),
    );
  });

  it('a broken shared package fails both builds, each under its own Problems source; both keep serving', async () => {
    const shared = file('internal/shared/shared.go');
    await editAndSave(shared, 'const Message = "shared v2"', 'const Message = "shared v3" + nope');
    await waitFor('both failed', () => svc('api').state.kind === 'build-failed' && svc('worker').state.kind === 'build-failed');
    const sources = vscode.languages
      .getDiagnostics(shared)
      .map((d) => d.source)
      .sort();
    assert.deepEqual(sources, ['go build (api)', 'go build (worker)']);
    assert.match(a.summaryText()!, /2 failed/);
    assert.ok((await get(ports.api))?.startsWith('api: shared v2'), 'the old api keeps serving');
    await editAndSave(shared, 'const Message = "shared v3" + nope', 'const Message = "shared v3"');
    await waitFor(
      'both serve v3',
      async () => (await get(ports.api))?.startsWith('api: shared v3') && (await get(ports.worker))?.startsWith('worker: shared v3'),
    );
    await waitFor('problems cleared', () => vscode.languages.getDiagnostics(shared).length === 0);
  });

  it('Restart takes a service id; Stop All stops every server and runs postStop', async () => {
    const pids = svc('worker').serverPids.join();
    await vscode.commands.executeCommand('gopherReload.restart', `${folder}#worker`);
    await waitFor('worker restarted', () => svc('worker').state.kind === 'running' && svc('worker').serverPids.join() !== pids);
    await vscode.commands.executeCommand('gopherReload.stopAll');
    await waitFor('all stopped', () => a.modules().every((m) => m.state.kind === 'stopped'));
    assert.equal(await get(ports.api), undefined);
    assert.equal(a.summaryText(), '$(circle-slash) 3 stopped');
    assert.ok(fs.existsSync(path.join(folder, 'POST-STOP-RAN')), 'postStop ran when the servers stopped');
  });
});
