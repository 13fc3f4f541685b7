#!/usr/bin/env node
import * as path from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { formatState, paint } from './format';
import { intFlag, mergeGlobs, parseCli, UsageError } from './args';
import { cliWords, settingWords } from './words';
import { DEFAULT_EXCLUDE, DEFAULT_INCLUDE, ReloadEngine, resolveConfig, watchTree } from '../core';
import { resolveTarget } from '../core/config/target';
import { within } from '../core/util/paths';
import type { EngineState, Logger, RawSettings } from '../core';

const HELP = `gopher-reload — rebuild and restart a Go server on every save

Usage: gopher-reload [dir] [options] [-- build command argv...]

  dir                      Go module to run (default: current directory)
  -p, --package <pkg>      package to build, relative to the folder (default ".")
      --folder <dir>       folder inside the module to build, run and watch in (like air's root;
                           for a server that reads files relative to its own folder)
      --build <cmd>        build command, run in your shell (must write --binary)
  -- <argv...>             build command as an argv, no shell; \${binary} is replaced.
                           Everything after -- is the build command, never server arguments.
      --build-flag <flag>  extra go build flag, e.g. --build-flag -race (repeatable)
      --build-timeout-ms <ms>  stop a build that runs longer (default 300000)
      --binary <path>      the binary to run (default <output-dir>/<dir name>)
      --output-dir <dir>   folder for binaries (default .gopher-reload; not the module root
                           or a folder with Go sources)
      --debug-info         keep DWARF and disable optimisations (for a debugger)
      --pre-build <cmd>    run before each build, in your shell (repeatable)
      --post-stop <cmd>    run once when gopher-reload exits, in your shell (repeatable)
      --proxy-port <n>     serve on this port through a proxy that holds requests during reloads
                           (the app gets a free port in $PORT, see --proxy-port-env)
      --proxy-port-env <v> the env variable that tells the app its port (default PORT)
      --proxy-hold-ms <ms> how long the proxy holds a request while the server reloads (default 10000)
      --no-live-reload     with the proxy: don't reload open pages after each reload
      --proxy-allowed-host <host>  a host besides localhost that may see the proxy's own pages
                           (build errors, live reload), for a forwarded port: my-box.example.com,
                           or .app.github.dev for its subdomains (repeatable)
  -a, --arg <arg>          one argument for the server (repeatable); values may start with '-':
                           -a -addr=:9999, --arg -addr=:9999 and --arg=-addr=:9999 all work
  -e, --env <K=V>          environment variable for build and server (repeatable)
      --env-file <file>    .env file to load (repeatable; default .env if present)
      --include <glob>     more files that trigger a rebuild (repeatable; added to the defaults
                           ${DEFAULT_INCLUDE.join(' ')})
      --exclude <glob>     more files that never do (repeatable; added to the defaults
                           ${DEFAULT_EXCLUDE.join(' ')})
      --no-default-includes  use only your --include globs
      --no-default-excludes  use only your --exclude globs
      --quiet-ms <ms>      quiet window that coalesces a burst of changes (default 30)
      --poll <ms>          poll the file system (WSL2, Docker bind mounts)
      --signal <SIG>       stop signal (default SIGINT)
      --kill-delay-ms <ms> time to exit before the tree is killed (default 2000)
      --port <n>           port the server listens on (default: detected)
      --health-url <url>   ready when this URL answers below 400
      --ready-pattern <re> ready when a log line matches
      --startup-timeout-ms <ms>  (default 30000)
      --stop-on-error      stop the old server when a build fails
      --no-restart-on-crash
      --no-air             ignore .air.toml (used by default when present; flags win over it)
  -v, --verbose            log every decision
  -h, --help
`;

/** Lines for the user; once stdout is gone (`| head`), nothing more is written. */
let outputClosed = false;
const say = (line: string) => !outputClosed && process.stdout.write(line + '\n');
const complain = (line: string) => !outputClosed && process.stderr.write(line + '\n');

function fail(message: string, help = false): never {
  complain(paint.red(`✗ ${message}`) + (help ? '\n  run gopher-reload --help' : ''));
  process.exit(2);
}

function main(): void {
  let parsed: ReturnType<typeof parseCli>;
  let num: Record<'buildTimeout' | 'proxyPort' | 'proxyHold' | 'quiet' | 'poll' | 'killDelay' | 'port' | 'startupTimeout', number | undefined>;
  try {
    parsed = parseCli(process.argv.slice(2));
    const v = parsed.values;
    num = {
      buildTimeout: intFlag('build-timeout-ms', v['build-timeout-ms']),
      proxyPort: intFlag('proxy-port', v['proxy-port']),
      proxyHold: intFlag('proxy-hold-ms', v['proxy-hold-ms']),
      quiet: intFlag('quiet-ms', v['quiet-ms']),
      poll: intFlag('poll', v.poll),
      killDelay: intFlag('kill-delay-ms', v['kill-delay-ms']),
      port: intFlag('port', v.port),
      startupTimeout: intFlag('startup-timeout-ms', v['startup-timeout-ms']),
    };
  } catch (e) {
    if (e instanceof UsageError) fail(e.message, true);
    throw e;
  }
  const { values: v, buildArgv } = parsed;
  if (v.help) {
    process.stdout.write(HELP);
    return;
  }
  const root = path.resolve(parsed.dir);
  if (!existsSync(path.join(root, 'go.mod'))) fail(`${root} has no go.mod. Run gopher-reload in (or point it at) a Go module.`);
  const env: Record<string, string> = {};
  for (const kv of v.env ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) fail(`--env ${kv}: expected KEY=value`, true);
    env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const flags: RawSettings = {
    package: v.package,
    buildCommand: buildArgv.length ? buildArgv : v.build,
    buildFlags: v['build-flag'],
    buildTimeoutMs: num.buildTimeout,
    binary: v.binary,
    outputDir: v['output-dir'],
    debugInfo: v['debug-info'],
    preBuild: v['pre-build'],
    postStop: v['post-stop'],
    proxyPort: num.proxyPort,
    proxyPortEnv: v['proxy-port-env'],
    proxyHoldMs: num.proxyHold,
    liveReload: v['no-live-reload'] ? false : undefined,
    proxyAllowedHosts: v['proxy-allowed-host'],
    args: v.arg,
    env: Object.keys(env).length ? env : undefined,
    envFiles: v['env-file'],
    quietWindowMs: num.quiet,
    stopSignal: v.signal,
    killDelayMs: num.killDelay,
    port: num.port,
    healthUrl: v['health-url'],
    readyPattern: v['ready-pattern'],
    startupTimeoutMs: num.startupTimeout,
    stopOnBuildError: v['stop-on-error'],
    restartOnCrash: v['no-restart-on-crash'] ? false : undefined,
  };
  const given = Object.fromEntries(Object.entries(flags).filter(([, val]) => val !== undefined)) as RawSettings;

  // A project with an .air.toml runs from it as air would; flags win per key (resolveTarget's precedence).
  const folder = v.folder !== undefined ? folderInModule(root, v.folder) : undefined;
  const target = resolveTarget({ moduleRoot: root, settings: {}, flags: given, folder, useAir: !v['no-air'] });
  if (target.airError) fail(`${target.airError.message}. Fix it, or run with --no-air to ignore it.`);
  const air = target.air;
  if (air) {
    say(paint.cyan(`gopher-reload: using .air.toml (flags win; --no-air to ignore it)`));
    for (const u of air.unsupported) complain(paint.yellow(`! .air.toml ${cliWords(u)}`));
    for (const i of air.ignored) say(paint.dim(`  .air.toml ignored: ${cliWords(i)}`));
  }
  const { root: runRoot, raw } = target.targets[0];
  const pollMs = num.poll ?? air?.pollIntervalMs;
  const base: RawSettings = air?.settings ?? {};
  // --include/--exclude add to the defaults (or to .air.toml's lists) unless told to replace them.
  const include = mergeGlobs(v.include, v['no-default-includes'], base.include, DEFAULT_INCLUDE);
  const exclude = mergeGlobs(v.exclude, v['no-default-excludes'], base.exclude, DEFAULT_EXCLUDE);
  const settings: RawSettings = { ...raw, ...(include && { include }), ...(exclude && { exclude }) };
  if (include?.length === 0) complain(paint.yellow('! --no-default-includes without --include: no file change will rebuild (save-triggered reloads are off)'));

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
    if (o.source !== 'engine' && !outputClosed) process.stdout.write(o.text);
  });
  engine.onState((s) => {
    const line = stateLine(s);
    if (line) say(line);
  });
  // A panic's location, once, after its trace (which the server printed itself).
  let seen = new Set<unknown>();
  engine.insights.onChange(() => {
    const now = engine.insights.panics;
    for (const p of now) {
      if (seen.has(p)) continue;
      const at = p.site ? `${path.relative(runRoot, p.site.file)}:${p.site.line}` : 'outside the workspace';
      say(paint.red(`✗ panic at ${at}: ${p.message}${p.kind === 'fatal' ? '' : ` (recovered by ${p.kind === 'gin-recovery' ? 'Gin' : 'net/http'})`}`));
    }
    seen = new Set(now);
  });
  say(paint.cyan(`gopher-reload: watching ${runRoot} (package ${config.package})`));
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
    say(paint.dim('gopher-reload: stopping…'));
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
  if (!within(abs, root)) fail(`--folder ${folder}: ${abs} is outside the module ${root}; give a folder inside it (relative to the module)`, true);
  let isDir = false;
  try {
    isDir = statSync(abs).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) fail(`--folder ${folder}: ${abs} is not a folder`, true);
  return abs;
}

main();
