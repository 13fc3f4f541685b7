import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BuildProblem } from '../core/problem';

/**
 * Build problems as Diagnostics: 1-based to 0-based, source "go build", continuation lines kept.
 * A problem with no file position (`go: ...` module errors) is shown on go.mod, where the fix
 * usually is, instead of being dropped.
 */
export function toDiagnostics(problems: BuildProblem[], root: string): Map<string, vscode.Diagnostic[]> {
  const byFile = new Map<string, vscode.Diagnostic[]>();
  for (const p of problems) {
    const file = p.line === 0 && p.file === root ? path.join(root, 'go.mod') : p.file;
    const line = Math.max(0, p.line - 1);
    const col = Math.max(0, (p.column ?? 1) - 1);
    // Without a column, underline the whole line (the compiler only knows the line).
    const range = p.column ? new vscode.Range(line, col, line, col + 1) : new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER);
    const d = new vscode.Diagnostic(range, p.message, p.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Error);
    d.source = 'go build';
    const list = byFile.get(file) ?? [];
    list.push(d);
    byFile.set(file, list);
  }
  return byFile;
}

/** Replaces this folder's build diagnostics with a new set (empty clears them). */
export function publish(collection: vscode.DiagnosticCollection, problems: BuildProblem[], root: string): void {
  collection.clear();
  for (const [file, diags] of toDiagnostics(problems, root)) collection.set(vscode.Uri.file(file), diags);
}
