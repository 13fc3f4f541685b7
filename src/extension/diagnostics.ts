import * as path from 'node:path';
import * as vscode from 'vscode';
import { t, type BuildProblem, type RuntimePanic } from '../core';

/**
 * Build problems as Diagnostics: 1-based to 0-based, source "go build", continuation lines kept.
 * A problem with no file position (`go: ...` module errors) is shown on go.mod, where the fix
 * usually is, instead of being dropped.
 */
export function toDiagnostics(problems: BuildProblem[], root: string, source = 'go build'): Map<string, vscode.Diagnostic[]> {
  const byFile = new Map<string, vscode.Diagnostic[]>();
  for (const p of problems) {
    const file = p.line === 0 && p.file === root ? path.join(root, 'go.mod') : p.file;
    const line = Math.max(0, p.line - 1);
    const col = Math.max(0, (p.column ?? 1) - 1);
    // Without a column, underline the whole line (the compiler only knows the line).
    const range = p.column ? new vscode.Range(line, col, line, col + 1) : new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER);
    const d = new vscode.Diagnostic(range, p.message, p.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Error);
    d.source = source;
    const list = byFile.get(file) ?? [];
    list.push(d);
    byFile.set(file, list);
  }
  return byFile;
}

/** Replaces this server's diagnostics with a new set (empty clears them): build problems, then panics. */
export function publish(collection: vscode.DiagnosticCollection, sets: Map<string, vscode.Diagnostic[]>[]): void {
  collection.clear();
  const merged = new Map<string, vscode.Diagnostic[]>();
  for (const set of sets) for (const [file, diags] of set) merged.set(file, [...(merged.get(file) ?? []), ...diags]);
  for (const [file, diags] of merged) collection.set(vscode.Uri.file(file), diags);
}

/**
 * Panics the server printed, as Problems at the innermost workspace frame. The frames are the
 * related information (each a link), and the code links to the terminal with the whole trace.
 */
export function panicDiagnostics(panics: RuntimePanic[], showTraceCommand: vscode.Uri): Map<string, vscode.Diagnostic[]> {
  const byFile = new Map<string, vscode.Diagnostic[]>();
  for (const p of panics) {
    if (!p.site) continue; // nothing in the workspace to point at; the terminal has the trace
    const line = Math.max(0, p.site.line - 1);
    const where = p.kind === 'gin-recovery' ? t('recovered by Gin') : p.kind === 'http-handler' ? t('recovered by net/http') : t('the server crashed');
    const d = new vscode.Diagnostic(
      new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER),
      `panic: ${p.message} (${where})`,
      vscode.DiagnosticSeverity.Error,
    );
    d.source = 'panic';
    d.code = { value: t('full trace'), target: showTraceCommand };
    d.relatedInformation = p.frames
      // The runtime's own frames (panic.go, asm_*.s) say nothing about the user's code.
      .filter((f) => path.isAbsolute(f.file) && !/[\\/]src[\\/]runtime[\\/]/.test(f.file))
      .slice(0, 12)
      .map(
        (f) => new vscode.DiagnosticRelatedInformation(new vscode.Location(vscode.Uri.file(f.file), new vscode.Position(Math.max(0, f.line - 1), 0)), f.func),
      );
    const list = byFile.get(p.site.file) ?? [];
    list.push(d);
    byFile.set(p.site.file, list);
  }
  return byFile;
}
