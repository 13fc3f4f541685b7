import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, editAndSave, get, setDescribeContext, waitFor, type Api, type ModuleView } from './util';

/**
 * A Gin app in a real VS Code: its route table in the "Gin Routes" view, and its panics in
 * Problems at the innermost workspace frame (GET /boom is recovered by Gin, GET /crash kills the
 * process), cleared by the next reload.
 */
describe('Gopher Reload in VS Code: Gin routes and panics', function () {
  const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
  const boom = vscode.Uri.file(path.join(folder, 'handlers', 'boom.go'));
  const port = Number(process.env.GOPHER_RELOAD_PORT);
  let a: Api;
  let mod: () => ModuleView;
  const panics = () => vscode.languages.getDiagnostics(boom).filter((d) => d.source === 'panic');

  before(async () => {
    a = await api();
    mod = () => a.modules()[0];
    setDescribeContext(() => `state: ${JSON.stringify(mod().state).slice(0, 400)}; routes: ${a.routesTree().join(' | ')}`);
  });

  it('shows the routes Gin registered; GET routes without parameters open in the browser', async () => {
    await waitFor('running', () => mod().state.kind === 'running');
    await waitFor('routes', () => a.routesTree().length === 5);
    assert.deepEqual(a.routesTree(), [
      'GET /  main.main.func1  [opens]',
      'GET /health  main.main.func2  [opens]',
      'GET /users/:id  main.main.func3',
      'GET /boom  handlers.Boom  [opens]',
      'GET /crash  handlers.Crash  [opens]',
    ]);
  });

  it('a panic recovered by Gin lands in Problems at the line that panicked', async () => {
    assert.equal(await get(port, '/boom'), '');
    const d = await waitFor('panic diagnostic', () => panics()[0]);
    assert.equal(d.range.start.line, 17, 'boom.go:18, inside pick (the innermost workspace frame)');
    assert.match(d.message, /^panic: runtime error: index out of range \[5\] with length 3 \(recovered by Gin\)$/);
    assert.ok(
      d.relatedInformation?.some((r) => r.location.uri.fsPath === boom.fsPath && r.message === 'Boom'),
      'the trace frames are linked',
    );
    assert.equal(mod().state.kind, 'running', 'Gin recovered: the server keeps running');
  });

  it('a crash adds its panic; the crash restart keeps both; a reload clears them', async () => {
    await get(port, '/crash');
    await waitFor('crash panic', () => panics().some((d) => d.message.includes('crash: worker exploded (the server crashed)') && d.range.start.line === 25));
    await waitFor('running again', () => mod().state.kind === 'running');
    assert.equal(panics().length, 2);
    await editAndSave(boom, 'xs[i]', 'xs[i%len(xs)]');
    await waitFor('cleared by the reload', () => panics().length === 0 && mod().state.kind === 'running');
    assert.equal(await get(port, '/boom'), 'd');
    await waitFor('routes again', () => a.routesTree().length === 5);
  });
});
