import * as vscode from 'vscode';
import { DEBUG_TYPE } from './debugSession';

/** What F5 offers without a launch.json, and what "Add Configuration" writes. */
export const LAUNCH_CONFIG: vscode.DebugConfiguration = { type: DEBUG_TYPE, request: 'launch', name: 'Debug with hot reload (Gopher Reload)' };

/**
 * launch.json and F5: a `gopher-reload` launch configuration turns debugging on for a server (as
 * the Debug Server command does) and then starts nothing itself: the engine starts a session for
 * every server generation. `folder` picks the server: a module root (absolute, or relative to the
 * workspace folder), a service's name or its id; none: the folder's only server, or a pick.
 * The sessions the extension starts itself (with `__gopherReload`) pass through unchanged.
 */
export function registerDebugConfigurations(debugServer: (folder: vscode.WorkspaceFolder | undefined, which?: string) => Promise<void>): vscode.Disposable[] {
  const provider: vscode.DebugConfigurationProvider = {
    provideDebugConfigurations: () => [{ ...LAUNCH_CONFIG }],
    resolveDebugConfiguration: (_folder, config) =>
      // F5 with no launch.json: an empty configuration.
      !config.type && !config.request && !config.name ? { ...LAUNCH_CONFIG } : config,
    resolveDebugConfigurationWithSubstitutedVariables: (folder, config) => {
      if (config.__gopherReload) return config;
      const which = typeof config.folder === 'string' && config.folder ? config.folder : undefined;
      void debugServer(folder, which);
      // undefined: nothing more to start here (null would open launch.json).
      return undefined;
    },
  };
  return [
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, provider),
    // Listed under "Run and Debug" even without a launch.json.
    vscode.debug.registerDebugConfigurationProvider(
      DEBUG_TYPE,
      { provideDebugConfigurations: () => [{ ...LAUNCH_CONFIG }] },
      vscode.DebugConfigurationProviderTriggerKind.Dynamic,
    ),
  ];
}
