import * as http from 'node:http';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'gopher-reload.gopher-reload';

/** The extension's own API type: a change to it breaks these tests at compile time. */
export type { GopherReloadApi as Api, ServerView as ModuleView } from '../../src/extension/api';
import type { GopherReloadApi as Api } from '../../src/extension/api';

export async function api(): Promise<Api> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} not found`);
  return (await ext.activate()) as Api;
}

/** Extra context for timeout messages (the suite sets it to the module's current state). */
export let describeContext: () => string = () => '';
export function setDescribeContext(fn: () => string): void {
  describeContext = fn;
}

export async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${last})` : ''}; ${describeContext()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function get(port: number, path = '/', timeoutMs = 2000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

/** Edits a document the way a user does (through the editor), then saves it. */
export async function editAndSave(uri: vscode.Uri, from: string | RegExp, to: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc);
  const text = doc.getText();
  const next = text.replace(from, to);
  if (next === text) throw new Error(`${from} not found in ${uri.fsPath}`);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(uri, new vscode.Range(doc.positionAt(0), doc.positionAt(text.length)), next);
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error('applyEdit failed');
  if (!(await doc.save())) throw new Error('save failed');
}
