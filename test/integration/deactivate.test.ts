import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, waitFor } from './util';

/**
 * Ends the run while a (deliberately slow) build is in progress: VS Code then shuts the extension
 * host down and deactivate() must stop the build's whole tree. The runner checks that nothing
 * from this workspace is still running afterwards.
 */
describe('Gopher Reload in VS Code: closing the window mid-build', function () {
  it('leaves a build running when the test ends', async () => {
    const a = await api();
    await vscode.commands.executeCommand('gopherReload.toggle');
    await waitFor('building', () => a.modules()[0].state.kind === 'building', 30_000);
    assert.equal(a.modules()[0].state.kind, 'building');
  });
});
