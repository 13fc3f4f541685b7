import * as vscode from 'vscode';
import type { Workspace } from './workspace';

/** The command table: every command takes an optional module root (status bar links pass it). */
export function registerCommands(w: Workspace): vscode.Disposable[] {
  const table: Record<string, (root?: string) => unknown> = {
    'gopherReload.restart': async (root) => (await w.pick(root))?.start('restart'),
    'gopherReload.start': async (root) => (await w.pick(root))?.start('start'),
    'gopherReload.stop': async (root) => (await w.pick(root))?.stop(),
    'gopherReload.toggle': async (root) => {
      const c = await w.pick(root);
      if (c) await c.setHotReload(!c.isHotReload);
    },
    'gopherReload.showLogs': () => w.log.show(),
    'gopherReload.convertAirToml': async (root) => (await w.pick(root))?.convertAirToml(),
    'gopherReload.showTerminal': async (root) => (await w.pick(root))?.showTerminal(),
    'gopherReload.openInBrowser': async (root) => {
      const c = await w.pick(root);
      const port = c?.engine.port;
      if (!c || port === undefined) {
        void vscode.window.showInformationMessage('Gopher Reload: no server port is known yet. Start the server, or set gopherReload.port.');
        return;
      }
      // asExternalUri makes this work in remote and browser-hosted VS Code (port forwarding).
      const uri = await vscode.env.asExternalUri(vscode.Uri.parse(`http://localhost:${port}/`));
      await vscode.env.openExternal(uri);
    },
  };
  return Object.entries(table).map(([id, fn]) => vscode.commands.registerCommand(id, fn));
}
