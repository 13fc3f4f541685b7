import * as vscode from 'vscode';
import type { RawSettings } from '../core';

export const SECTION = 'gopherReload';

/** Settings the engine reads, by the names of RawSettings. */
const ENGINE_KEYS: (keyof RawSettings)[] = [
  'package', 'buildCommand', 'buildFlags', 'debugInfo', 'buildTimeoutMs', 'preBuild', 'postStop', 'outputDir', 'binary',
  'args', 'env', 'envFiles', 'include', 'exclude', 'quietWindowMs', 'stopSignal', 'killDelayMs', 'port',
  'healthUrl', 'readyPattern', 'startupTimeoutMs', 'stopOnBuildError', 'restartOnCrash', 'buildWhileTyping', 'proxyPort', 'proxyPortEnv', 'proxyHoldMs', 'liveReload',
  'proxyAllowedHosts',
];

/** These only change what counts as a change or how long to wait: no restart needed. */
const LIVE_KEYS = new Set(['buildWhileTyping', 'postStop', 'include', 'exclude', 'quietWindowMs', 'startOnOpen', 'killDelayMs', 'stopSignal', 'startupTimeoutMs', 'restartOnCrash', 'stopOnBuildError']);

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
  const keys = [...ENGINE_KEYS, 'buildTask'].filter((k) => !LIVE_KEYS.has(k));
  return keys.some((k) => e.affectsConfiguration(`${SECTION}.${k}`, scope));
}
