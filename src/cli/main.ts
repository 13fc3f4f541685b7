#!/usr/bin/env node
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { resolveConfig, type RawSettings } from '../core/config';
import { ReloadEngine } from '../core/engine';
import { watchTree } from '../core/watcher';
import { formatState, paint } from './format';
import type { Logger } from '../core/log';
import { AirTomlError, readAirToml } from '../core/airToml';

const HELP = `gopher-reload — rebuild and restart a Go server on every save

Usage: gopher-reload [dir] [options] [-- build command argv...]

  dir                      Go module to run (default: current directory)
  -p, --package <pkg>      package to build (default ".")
      --build <cmd>        build command, run in your shell (must write --binary)
  -- <argv...>             build command as an argv, no shell; \${binary} is replaced
      --binary <path>      the binary to run (default .gopher-reload/<dir name>)
      --debug-info         keep DWARF and disable optimisations (for a debugger)
      --pre-build <cmd>    run before each build, in your shell (repeatable)
      --post-stop <cmd>    run once when gopher-reload exits, in your shell (repeatable)
      --proxy-port <n>     serve on this port through a proxy that holds requests during reloads
                           (the app gets a free port in $PORT, see --proxy-port-env)
      --proxy-port-env <v> the env variable that tells the app its port (default PORT)
      --no-live-reload     with the proxy: don't reload open pages after each reload
  -a, --arg <arg>          argument for the server (repeatable)
  -e, --env <K=V>          environment variable for build and server (repeatable)
      --env-file <file>    .env file to load (repeatable; default .env if present)
      --include <glob>     files that trigger a rebuild (repeatable; replaces defaults)
      --exclude <glob>     files that never do (repeatable; replaces defaults)
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
      --no-air             ignore .air.toml (used by default when present)
  -v, --verbose            log every decision
  -h, --help
`;

function main(): void {
  const { values: v, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      package: { type: 'string', short: 'p' },
      build: { type: 'string' },
      binary: { type: 'string' },
      'debug-info': { type: 'boolean' },
      'pre-build': { type: 'string', multiple: true },
      'post-stop': { type: 'string', multiple: true },
      'proxy-port': { type: 'string' },
      'proxy-port-env': { type: 'string' },
      'no-live-reload': { type: 'boolean' },
      arg: { type: 'string', short: 'a', multiple: true },
      env: { type: 'string', short: 'e', multiple: true },
      'env-file': { type: 'string', multiple: true },
      include: { type: 'string', multiple: true },
      exclude: { type: 'string', multiple: true },
      'quiet-ms': { type: 'string' },
      poll: { type: 'string' },
      signal: { type: 'string' },
      'kill-delay-ms': { type: 'string' },
      port: { type: 'string' },
      'health-url': { type: 'string' },
      'ready-pattern': { type: 'string' },
      'startup-timeout-ms': { type: 'string' },
      'stop-on-error': { type: 'boolean' },
      'no-restart-on-crash': { type: 'boolean' },
      'no-air': { type: 'boolean' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (v.help) {
    process.stdout.write(HELP);
    return;
  }
  const dd = process.argv.indexOf('--');
  const argvBuild = dd >= 0 ? process.argv.slice(dd + 1) : [];
  const dirArgs = dd >= 0 ? positionals.slice(0, positionals.length - argvBuild.length) : positionals;
  const root = path.resolve(dirArgs[0] ?? '.');
  if (!existsSync(path.join(root, 'go.mod'))) {
    console.error(paint.red(`✗ ${root} has no go.mod. Run gopher-reload in (or point it at) a Go module.`));
    process.exit(2);
  }
  const num = (s?: string) => (s === undefined ? undefined : Number(s));
  const env: Record<string, string> = {};
  for (const kv of v.env ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) {
      console.error(paint.red(`✗ --env ${kv}: expected KEY=value`));
      process.exit(2);
    }
    env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const raw: RawSettings = {
    package: v.package,
    buildCommand: argvBuild.length ? argvBuild : v.build,
    binary: v.binary,
    debugInfo: v['debug-info'],
    preBuild: v['pre-build'],
    postStop: v['post-stop'],
    proxyPort: num(v['proxy-port']),
    proxyPortEnv: v['proxy-port-env'],
    liveReload: v['no-live-reload'] ? false : undefined,
    args: v.arg,
    env,
    envFiles: v['env-file'],
    include: v.include,
    exclude: v.exclude,
    quietWindowMs: num(v['quiet-ms']),
    stopSignal: v.signal,
    killDelayMs: num(v['kill-delay-ms']),
    port: num(v.port),
    healthUrl: v['health-url'],
    readyPattern: v['ready-pattern'],
    startupTimeoutMs: num(v['startup-timeout-ms']),
    stopOnBuildError: v['stop-on-error'],
    restartOnCrash: v['no-restart-on-crash'] ? false : undefined,
  };
  // A project with an .air.toml runs from it as air would, unless flags say otherwise.
  const given = Object.fromEntries(Object.entries(raw).filter(([k, val]) => val !== undefined && !(k === 'env' && Object.keys(env).length === 0)));
  let settings: RawSettings = given;
  let runRoot = root;
  if (!v['no-air']) {
    try {
      const air = readAirToml(root);
      if (air) {
        settings = { ...air.settings, ...given };
        runRoot = air.root; // air's `root`: where it builds, runs and watches
        console.log(paint.cyan(`gopher-reload: using .air.toml (flags win; --no-air to ignore it)`));
        for (const u of air.unsupported) console.error(paint.yellow(`! .air.toml ${u}`));
      }
    } catch (e) {
      if (!(e instanceof AirTomlError)) throw e;
      console.error(paint.red(`✗ ${e.message}. Fix it, or run with --no-air to ignore it.`));
      process.exit(2);
    }
  }
  const { config, issues } = resolveConfig(runRoot, settings);
  for (const i of issues) console.error(paint.yellow(`! ${i.setting}: ${i.message}`));

  const log: Logger = {
    trace: (m) => v.verbose && console.error(paint.dim(`  ${m}`)),
    info: (m) => v.verbose && console.error(paint.dim(`  ${m}`)),
    warn: (m) => v.verbose && console.error(paint.yellow(`  ${m}`)),
    error: (m) => v.verbose && console.error(paint.red(`  ${m}`)),
  };
  const engine = new ReloadEngine(config, log);
  engine.onOutput((o) => {
    if (o.source !== 'engine') process.stdout.write(o.text);
  });
  engine.onState((s) => {
    const line = formatState(s);
    if (line) console.log(line);
  });
  // A panic's location, once, after its trace (which the server printed itself).
  let seen = new Set<unknown>();
  engine.insights.onChange(() => {
    const now = engine.insights.panics;
    for (const p of now) {
      if (seen.has(p)) continue;
      const at = p.site ? `${path.relative(runRoot, p.site.file)}:${p.site.line}` : 'outside the workspace';
      console.log(paint.red(`✗ panic at ${at}: ${p.message}${p.kind === 'fatal' ? '' : ` (recovered by ${p.kind === 'gin-recovery' ? 'Gin' : 'net/http'})`}`));
    }
    seen = new Set(now);
  });
  console.log(paint.cyan(`gopher-reload: watching ${runRoot} (package ${config.package})`));
  const watcher = watchTree(runRoot, engine.changeFilter, {
    pollIntervalMs: num(v.poll),
    onChange: (p) => engine.fileChanged(p),
    onError: (e) => console.error(paint.yellow(`! watcher: ${e.message}`)),
  });
  engine.start();

  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    console.log(paint.dim('gopher-reload: stopping…'));
    await watcher.close();
    await engine.dispose();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGHUP', () => void shutdown());
}

main();
