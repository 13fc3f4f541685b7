import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { t, type BuildProblem, type RuntimePanic } from '../core';
import { mayHaveTwins, minus, twinsOf, utf16Column, type PlainDiagnostic } from './diagnosticOverlap';

/**
 * Build problems as Diagnostics: 1-based to 0-based, source "go build", continuation lines kept.
 * A problem with no file position (`go: ...` module errors) is shown on go.mod, where the fix
 * usually is, instead of being dropped.
 */
export function toDiagnostics(problems: BuildProblem[], root: string, source = 'go build'): Map<string, vscode.Diagnostic[]> {
  const byFile = new Map<string, vscode.Diagnostic[]>();
  const lines = fileLines();
  for (const p of problems) {
    const file = p.line === 0 && p.file === root ? path.join(root, 'go.mod') : p.file;
    const line = Math.max(0, p.line - 1);
    // The compiler counts bytes, VS Code (and gopls) UTF-16 units: they differ after a non-ASCII character.
    const text = p.column ? lines(file)?.[line] : undefined;
    const col = text !== undefined ? utf16Column(text, p.column!) : Math.max(0, (p.column ?? 1) - 1);
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

/** Each file's lines, read once per call (a file that cannot be read keeps the compiler's columns). */
function fileLines(): (file: string) => string[] | undefined {
  const cache = new Map<string, string[] | undefined>();
  return (file) => {
    if (!cache.has(file)) {
      try {
        cache.set(file, fs.readFileSync(file, 'utf8').split(/\r?\n/));
      } catch {
        cache.set(file, undefined);
      }
    }
    return cache.get(file);
  };
}

/** What one collection should show (everything published) and shows now (without gopls' twins), per URI. */
interface Published {
  uris: Map<string, vscode.Uri>;
  wanted: Map<string, vscode.Diagnostic[]>;
  shown: Map<string, vscode.Diagnostic[]>;
}
const published = new Map<vscode.DiagnosticCollection, Published>();
/** Panics are ours alone: never hidden behind another source's diagnostic. */
const neverHidden = new WeakSet<vscode.Diagnostic>();
let watching: vscode.Disposable | undefined;

/**
 * Replaces this server's diagnostics with a new set (empty clears them): build problems, then panics.
 * A build problem that another source (gopls) already reports at the same start with the same
 * message is not shown twice (diagnosticOverlap.ts says what "same" is); it comes back when that
 * source drops its copy. The status bar still counts every build problem: it reads the build.
 */
export function publish(collection: vscode.DiagnosticCollection, sets: Map<string, vscode.Diagnostic[]>[]): void {
  collection.clear();
  const state: Published = { uris: new Map(), wanted: new Map(), shown: new Map() };
  for (const set of sets) {
    for (const [file, diags] of set) {
      const uri = vscode.Uri.file(file);
      state.uris.set(uri.toString(), uri);
      state.wanted.set(uri.toString(), [...(state.wanted.get(uri.toString()) ?? []), ...diags]);
    }
  }
  if (state.wanted.size === 0) {
    published.delete(collection);
    if (published.size === 0) {
      watching?.dispose();
      watching = undefined;
    }
    return;
  }
  published.set(collection, state);
  watching ??= vscode.languages.onDidChangeDiagnostics((e) => refilter(e.uris));
  for (const key of state.wanted.keys()) show(collection, state, key);
}

/**
 * Another source changed diagnostics (or we did: then nothing differs and nothing is set, so there
 * is no loop). Only the changed URIs that we publish for are looked at.
 */
function refilter(uris: readonly vscode.Uri[]): void {
  for (const uri of uris) {
    const key = uri.toString();
    for (const [collection, state] of published) {
      if (!state.wanted.has(key)) continue;
      try {
        show(collection, state, key);
      } catch {
        // The server was removed and its collection disposed: forget it.
        published.delete(collection);
      }
    }
  }
}

/** Sets `key`'s diagnostics to the wanted ones without their twins, when that differs from what is shown. */
function show(collection: vscode.DiagnosticCollection, state: Published, key: string): void {
  const uri = state.uris.get(key)!;
  const wanted = state.wanted.get(key) ?? [];
  const hidden = mayHaveTwins(uri.path) ? twinsOf(wanted.map(plain), othersAt(uri).map(plain)) : new Set<number>();
  const next = wanted.filter((d, i) => neverHidden.has(d) || !hidden.has(i));
  const now = state.shown.get(key);
  if (now && now.length === next.length && now.every((d, i) => d === next[i])) return;
  state.shown.set(key, next);
  collection.set(uri, next);
}

/** The URI's diagnostics from every other source: all of them, less what our collections show. */
function othersAt(uri: vscode.Uri): vscode.Diagnostic[] {
  const ours = [...published.values()].flatMap((state) => state.shown.get(uri.toString()) ?? []);
  return minus(vscode.languages.getDiagnostics(uri), ours, signature);
}

const signature = (d: vscode.Diagnostic) =>
  `${d.source ?? ''}\0${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}\0${d.severity}\0${d.message}`;

const SEVERITY = ['error', 'warning', 'info', 'hint'] as const;
function plain(d: vscode.Diagnostic): PlainDiagnostic {
  return { line: d.range.start.line, character: d.range.start.character, message: d.message, severity: SEVERITY[d.severity] ?? 'error', source: d.source };
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
    neverHidden.add(d);
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
