#!/usr/bin/env node
import * as path from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { DebugLines } from './debugLines';
import { formatState, paint } from './format';
import { intFlag, mergeGlobs, parseCli, UsageError } from './args';
import { cliWords, settingWords } from './words';
import { helpText, rawFromFlags } from './options';
import { DEFAULT_EXCLUDE, DEFAULT_INCLUDE, ReloadEngine, resolveConfig, watchTree } from '../core';
import { resolveTarget, t, within } from '../core';
import type { EngineState, Logger, RawSettings } from '../core';
import { ProgressLine } from './progressLine';
import { useLocale } from './locale';

// Before anything is worded (the help text below is built at load).
useLocale(process.env);
const HELP = helpText();

/** Lines for the user; once stdout is gone (`| head`), nothing more is written. */
let outputClosed = false;
/** The build's progress line; whatever else is printed clears it first (no half line before it). */
const progress = new ProgressLine({
  tty: !!process.stdout.isTTY,
  write: (text) => !outputClosed && process.stdout.write(text),
  // Internal, for tests: the plain (not a terminal) line's interval.
  plainEveryMs: Number(process.env.GOPHER_RELOAD_PROGRESS_EVERY_MS) || undefined,
  columns: () => process.stdout.columns,
});
const say = (line: string) => {
  progress.clear();
  return !outputClosed && process.stdout.write(line + '\n');
};
const complain = (line: string) => {
  progress.clear();
  return !outputClosed && process.stderr.write(line + '\n');
};

function fail(message: string, help = false): never {
  complain(paint.red(`✗ ${message}`) + (help ? '\n  ' + t('run gopher-reload --help') : ''));
  process.exit(2);
}

function main(): void {
  let parsed: ReturnType<typeof parseCli>;
  let num: { poll: number | undefined };
  let given: RawSettings;
  try {
    parsed = parseCli(process.argv.slice(2));
    num = { poll: intFlag('poll', parsed.values.poll) };
    // Every flag a setting row names, in the schema's words (src/core/config/schema.ts).
    given = rawFromFlags(parsed.values, parsed.buildArgv);
  } catch (e) {
    if (e instanceof UsageError) fail(e.message, true);
    throw e;
  }
  const { values: v } = parsed;
  if (v.help) {
    process.stdout.write(HELP);
    return;
  }
  const root = path.resolve(parsed.dir);
  if (!existsSync(path.join(root, 'go.mod'))) fail(t('{0} has no go.mod. Run gopher-reload in (or point it at) a Go module.', root));

  // A project with an .air.toml runs from it as air would; flags win per key (resolveTarget's precedence).
  const folder = v.folder !== undefined ? folderInModule(root, v.folder) : undefined;
  const target = resolveTarget({ moduleRoot: root, settings: {}, flags: given, folder, useAir: !v['no-air'] });
  if (target.airError) fail(t('{0}. Fix it, or run with --no-air to ignore it.', target.airError.message));
  const air = target.air;
  if (air) {
    say(paint.cyan(t('gopher-reload: using .air.toml (flags win; --no-air to ignore it)')));
    for (const u of air.unsupported) complain(paint.yellow(`! .air.toml ${cliWords(u)}`));
    for (const i of air.ignored) say(paint.dim(`  ${t('.air.toml ignored: {0}', cliWords(i))}`));
  }
  const { root: runRoot, raw } = target.targets[0];
  const pollMs = num.poll ?? air?.pollIntervalMs;
  const base: RawSettings = air?.settings ?? {};
  // --include/--exclude add to the defaults (or to .air.toml's lists) unless told to replace them.
  const include = mergeGlobs(v.include, v['no-default-includes'], base.include, DEFAULT_INCLUDE);
  const exclude = mergeGlobs(v.exclude, v['no-default-excludes'], base.exclude, DEFAULT_EXCLUDE);
  const settings: RawSettings = { ...raw, ...(include && { include }), ...(exclude && { exclude }) };
  if (include?.length === 0)
    complain(paint.yellow(`! ${t('--no-default-includes without --include: no file change will rebuild (save-triggered reloads are off)')}`));

  const { config, issues } = resolveConfig(runRoot, settings);
  for (const i of issues) complain(paint.yellow(`! ${settingWords(i.setting)}: ${cliWords(i.message)}`));

  const log: Logger = {
    trace: (m) => v.verbose && complain(paint.dim(`  ${cliWords(m)}`)),
    info: (m) => v.verbose && complain(paint.dim(`  ${cliWords(m)}`)),
    warn: (m) => v.verbose && complain(paint.yellow(`  ${cliWords(m)}`)),
    error: (m) => v.verbose && complain(paint.red(`  ${cliWords(m)}`)),
  };
  // The proxy's own pages speak the CLI's words too (--port, not gopherReload.port).
  const engine = new ReloadEngine({ ...config, pageWords: cliWords }, log);
  engine.onOutput((o) => {
    if (o.source === 'engine' || outputClosed) return;
    progress.clear();
    process.stdout.write(o.text);
  });
  // The engine's build progress (go build -v): one line rewritten in place on a terminal.
  engine.onProgress((p) => progress.update(p));
  engine.onState((s) => {
    const line = stateLine(s);
    if (line) say(line);
  });
  if (config.debug) {
    const lines = new DebugLines(runRoot, say);
    engine.onDebug((t) => lines.update(t));
  }
  // A panic's location, once, after its trace (which the server printed itself).
  let seen = new Set<unknown>();
  engine.insights.onChange(() => {
    const now = engine.insights.panics;
    for (const p of now) {
      if (seen.has(p)) continue;
      const at = p.site ? `${path.relative(runRoot, p.site.file)}:${p.site.line}` : t('outside the workspace');
      const by = p.kind === 'fatal' ? '' : ` (${p.kind === 'gin-recovery' ? t('recovered by Gin') : t('recovered by net/http')})`;
      say(paint.red(`✗ ${t('panic at {0}: {1}', at, p.message)}${by}`));
    }
    seen = new Set(now);
  });
  say(paint.cyan(t('gopher-reload: watching {0} (package {1})', runRoot, config.package)));
  const watcher = watchTree(runRoot, engine.changeFilter, {
    pollIntervalMs: pollMs,
    onChange: (p) => engine.fileChanged(p),
    onError: (e) => complain(paint.yellow(`! watcher: ${e.message}`)),
  });
  engine.start();

  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    say(paint.dim(t('gopher-reload: stopping…')));
    await watcher.close();
    await engine.dispose();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGHUP', () => void shutdown());
  // `gopher-reload | head`: the reader is gone. Stop the server and exit quietly, never a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
      outputClosed = true;
      void shutdown();
    });
  }
}

/** The engine's status line in the CLI's words; build errors and server output are printed as they are. */
function stateLine(s: EngineState): string {
  const line = formatState(s);
  return s.kind === 'build-failed' || s.kind === 'crashed' ? line : cliWords(line);
}

/** `--folder`: a folder inside the module (like a service's folder), or exit with why. */
function folderInModule(root: string, folder: string): string {
  const abs = path.resolve(root, folder);
  if (!within(abs, root)) fail(t('--folder {0}: {1} is outside the module {2}; give a folder inside it (relative to the module)', folder, abs, root), true);
  let isDir = false;
  try {
    isDir = statSync(abs).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) fail(t('--folder {0}: {1} is not a folder', folder, abs), true);
  return abs;
}

main();
