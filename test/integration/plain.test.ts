import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID } from './util';

/** A workspace without go.mod: the extension must not activate (never "*"). */
describe('Gopher Reload in VS Code: a workspace without Go', function () {
  it('does not activate', async () => {
    await new Promise((r) => setTimeout(r, 3000));
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, 'the extension is installed');
    assert.equal(ext.isActive, false);
  });
});
