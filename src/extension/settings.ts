import * as vscode from 'vscode';
import type { RawSettings } from '../core';
import { ENGINE_KEYS, RESTART_KEYS } from '../core';

export const SECTION = 'gopherReload';

/** Settings the engine reads and which need a restart: both lists come from the schema's rows. */
export function readSettings(scope: vscode.Uri): { raw: RawSettings; buildTask: string; startOnOpen: boolean } {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const raw: RawSettings = {};
  for (const k of ENGINE_KEYS) {
    const inspected = c.inspect(k);
    // Only values someone set: the engine's own defaults apply otherwise (and stay in one place).
    const v = inspected?.workspaceFolderValue ?? inspected?.workspaceValue ?? inspected?.globalValue;
    if (v !== undefined) (raw as Record<string, unknown>)[k] = v;
  }
  return { raw, buildTask: c.get<string>('buildTask', ''), startOnOpen: c.get<boolean>('startOnOpen', false) };
}

/** True when a configuration change touches a setting that needs a rebuild and restart. */
export function needsRestart(e: vscode.ConfigurationChangeEvent, scope: vscode.Uri): boolean {
  // From the schema's rows: every key marked restart (buildTask included; services restart per service).
  return RESTART_KEYS.some((k) => e.affectsConfiguration(`${SECTION}.${k}`, scope));
}
