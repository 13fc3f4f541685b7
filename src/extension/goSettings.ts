import * as vscode from 'vscode';
import type { GoExtensionSettings } from '../core';

/** The Go extension's settings Gopher Reload follows; a change to any of them rebuilds. */
export const GO_SETTINGS = ['go.goroot', 'go.alternateTools', 'go.buildTags', 'go.buildFlags', 'go.toolsEnvVars'];

export interface GoSettings extends GoExtensionSettings {
  goroot?: string;
  /** go.alternateTools.go */
  alternateGo?: string;
}

/**
 * What the user set in the Go extension's settings (golang.go), read whether or not that extension
 * is installed: only values someone set, as for our own settings (readSettings).
 */
export function readGoSettings(scope: vscode.Uri): GoSettings {
  const c = vscode.workspace.getConfiguration('go', scope);
  const set = (k: string): unknown => {
    const i = c.inspect(k);
    return i?.workspaceFolderValue ?? i?.workspaceValue ?? i?.globalValue;
  };
  // Object settings merge across user, workspace and folder (as VS Code's get() does): the user's
  // go.alternateTools.go stays when the workspace sets only .dlv.
  const merged = (k: string): Record<string, unknown> | undefined => {
    const i = c.inspect(k);
    const plain = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
    const levels = [i?.globalValue, i?.workspaceValue, i?.workspaceFolderValue];
    if (levels.every((v) => v === undefined)) return undefined;
    const bad = levels.find((v) => v !== undefined && !plain(v));
    return bad !== undefined ? (bad as Record<string, unknown>) : Object.assign({}, ...levels.map(plain));
  };
  const goroot = set('goroot');
  const alternate = merged('alternateTools');
  return {
    goroot: typeof goroot === 'string' && goroot.trim() ? goroot : undefined,
    alternateGo: typeof alternate?.go === 'string' && alternate.go.trim() ? alternate.go : undefined,
    buildTags: set('buildTags'),
    buildFlags: set('buildFlags'),
    toolsEnvVars: merged('toolsEnvVars'),
  };
}

/** True when a configuration change touches one of the Go extension's settings we follow. */
export function affectsGoSettings(e: vscode.ConfigurationChangeEvent, scope: vscode.Uri): boolean {
  return GO_SETTINGS.some((k) => e.affectsConfiguration(k, scope));
}
