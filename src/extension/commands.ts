import * as vscode from 'vscode';
import { t } from '../core';
import type { ServerController } from './serverController';
import { routeUnder } from './browserUrl';

/** What the commands need of the workspace (the Workspace class implements it). */
export interface CommandHost {
  readonly controllers: ReadonlyMap<string, ServerController>;
  readonly log: { show(): void };
  pick(id?: string): Promise<ServerController | undefined>;
  pickMany(id?: string, always?: boolean): Promise<ServerController[]>;
}

/**
 * The command table: every command takes an optional server id (a module root, or
 * `<root>#<service>`; status bar links pass it). Without one, Restart and Stop offer "All servers".
 */
export function registerCommands(w: CommandHost): vscode.Disposable[] {
  const all = () => [...w.controllers.values()];
  const table: Record<string, (root?: string) => unknown> = {
    'gopherReload.restart': async (root) => (await w.pickMany(root)).forEach((c) => c.start('restart')),
    'gopherReload.start': async (root) => (await w.pick(root))?.start('start'),
    'gopherReload.stop': async (root) => Promise.all((await w.pickMany(root)).map((c) => c.stop())),
    'gopherReload.restartAll': () => all().forEach((c) => c.start('restart')),
    'gopherReload.stopAll': () => Promise.all(all().map((c) => c.stop())),
    'gopherReload.servers': () => serverPick(w),
    // The walkthrough's "Turn on hot reload": on, never off (toggle would stop a running server).
    'gopherReload.turnOn': async (root) => {
      const c = await w.pick(root);
      if (c && !c.isHotReload) await c.setHotReload(true);
    },
    'gopherReload.toggle': async (root) => {
      const c = await w.pick(root);
      if (c) await c.setHotReload(!c.isHotReload);
    },
    'gopherReload.debugServer': async (root) => (await w.pick(root))?.debug(),
    'gopherReload.stopDebugging': async (root) => {
      const debugging = [...w.controllers.values()].filter((c) => c.debugWanted);
      const c = root ? w.controllers.get(root) : debugging.length === 1 ? debugging[0] : await w.pick(root);
      if (!c?.debugWanted) {
        if (c || !root) void vscode.window.showInformationMessage(t('Gopher Reload: this server is not being debugged.'));
        return;
      }
      c.stopDebugging();
    },
    'gopherReload.showLogs': () => w.log.show(),
    'gopherReload.convertAirToml': async (root) => (await w.pick(root))?.convertAirToml(),
    'gopherReload.showTerminal': async (root) => (await w.pick(root))?.showTerminal(),
    'gopherReload.openInBrowser': async (root) => openInBrowser(await w.pick(root)),
  };
  return [
    ...Object.entries(table).map(([id, fn]) => vscode.commands.registerCommand(id, fn)),
    // From a click: (id, path); from the inline button: the tree node.
    vscode.commands.registerCommand('gopherReload.openRoute', (a: string | { c: ServerController; route: { path: string } }, route?: string) =>
      typeof a === 'string' ? openInBrowser(w.controllers.get(a), route) : openInBrowser(a.c, a.route.path),
    ),
  ];
}

async function openInBrowser(c: ServerController | undefined, route = '/'): Promise<void> {
  const port = c?.engine.port;
  if (!c || port === undefined) {
    void vscode.window.showInformationMessage(t('Gopher Reload: no server port is known yet. Start the server, or set gopherReload.port.'));
    return;
  }
  await vscode.env.openExternal(await browserUri(c, port, route));
}

/**
 * The URL a user's browser reaches `route` of the server at. In remote and browser-hosted VS Code
 * asExternalUri forwards the port and gives the URL of its root (code-server's
 * `https://host/proxy/<port>/`, a Codespaces `*.app.github.dev` name, a Remote-SSH tunnel's local
 * port). So the root is what gets mapped, and the route's path and query go under whatever root
 * came back: code-server's answer keeps none of the path it was given (`/home` opened its root).
 * Requests through that forwarding arrive with the forwarded host in Host, so the proxy is told to
 * let exactly that host see its pages and live reload (the DNS-rebinding guard stays on for every
 * other host).
 */
export async function browserUri(c: ServerController, port: number, route: string): Promise<vscode.Uri> {
  const root = await vscode.env.asExternalUri(vscode.Uri.parse(`http://localhost:${port}/`));
  c.engine.allowForwardedHost(root.authority);
  return root.with(routeUnder(root.path, root.query, route));
}

/** The summary item's quick pick: every server with its state, then what to do with the chosen one(s). */
async function serverPick(w: CommandHost): Promise<void> {
  const cs = await w.pickMany(undefined, true);
  if (!cs.length) return;
  const actions = [
    { label: `$(debug-restart) ${t('Restart')}`, run: (id: string) => vscode.commands.executeCommand('gopherReload.restart', id) },
    { label: `$(debug-stop) ${t('Stop')}`, run: (id: string) => vscode.commands.executeCommand('gopherReload.stop', id) },
    { label: `$(zap) ${t('Toggle Hot Reload')}`, run: (id: string) => vscode.commands.executeCommand('gopherReload.toggle', id) },
    { label: `$(debug-alt) ${t('Debug Server (hot reload)')}`, run: (id: string) => vscode.commands.executeCommand('gopherReload.debugServer', id) },
    ...(cs.length === 1
      ? [
          { label: `$(terminal) ${t('Show Output')}`, run: (id: string) => vscode.commands.executeCommand('gopherReload.showTerminal', id) },
          { label: `$(globe) ${t('Open in Browser')}`, run: (id: string) => vscode.commands.executeCommand('gopherReload.openInBrowser', id) },
        ]
      : []),
  ];
  const a = await vscode.window.showQuickPick(actions, { placeHolder: cs.length === 1 ? cs[0].name : t('All {0} servers', cs.length) });
  if (a) await Promise.all(cs.map((c) => a.run(c.id)));
}
