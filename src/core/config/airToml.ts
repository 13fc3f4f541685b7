import { t } from '../util/l10n';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, TomlError } from 'smol-toml';
import type { RawSettings } from './config';
import { within } from '../util/paths';

/**
 * Runs a project from its `.air.toml` the way air would: its build command, binary, args, watch
 * rules, delays and signals become Gopher Reload settings. Keys we cannot honour are listed, never
 * silently dropped; keys that change nothing that matters are listed as ignored, with why; keys set
 * to what Gopher Reload does anyway (poll = false, follow_symlink = true...) are not listed.
 */
export interface AirImport {
  settings: RawSettings;
  /** `build.delay` etc. that have no Gopher Reload equivalent (yet), with why. */
  unsupported: string[];
  /** Cosmetic keys that change nothing about reloading. */
  ignored: string[];
  /** air's `root`, absolute: where the build and the server run and what is watched. */
  root: string;
  /**
   * `poll = true`: poll the file system every this many ms. The CLI honours it (--poll); an editor
   * adapter that uses the editor's file events should say so.
   */
  pollIntervalMs?: number;
}

export class AirTomlError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

const AIR_DEFAULT_DELAY = 1000;
/** air polls every 500 ms when poll = true and poll_interval is 0. */
const AIR_DEFAULT_POLL_MS = 500;

/**
 * Reads the `.air.toml` that applies to a module: `<module>/.air.toml`, else one in the workspace
 * folder above it whose `root` points into the module (air run from the repository root with
 * `root = "backend"`). Throws AirTomlError with a line for a syntax error.
 */
export function readAirToml(moduleRoot: string, folderRoot?: string): AirImport | undefined {
  const own = load(moduleRoot, moduleRoot);
  if (own) return own.air;
  if (!folderRoot || path.resolve(folderRoot) === path.resolve(moduleRoot)) return undefined;
  const above = load(folderRoot, moduleRoot);
  return above?.rootInModule ? above.air : undefined;
}

function load(dir: string, moduleRoot: string): { air: AirImport; rootInModule: boolean } | undefined {
  const file = path.join(dir, '.air.toml');
  if (!fs.existsSync(file)) return undefined;
  const text = fs.readFileSync(file, 'utf8');
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (e) {
    const line = e instanceof TomlError ? e.line : undefined;
    throw new AirTomlError(file, line, `${line ? t('.air.toml line {0}', line) : '.air.toml'}: ${(e as Error).message.split('\n')[0]}`);
  }
  const air = convertAir(doc);
  // air resolves `root` against the folder it runs in, which is where .air.toml is.
  const root = path.resolve(dir, typeof doc.root === 'string' && doc.root ? doc.root : '.');
  const rootInModule = within(root, moduleRoot);
  if (rootInModule) air.root = root;
  else {
    air.root = path.resolve(moduleRoot);
    air.unsupported.push(t('root = "{0}" is outside the module {1}; using the module root', String(doc.root), moduleRoot));
  }
  return { air, rootInModule };
}

/** Go durations as air accepts them for kill_delay: "500ms", "1s", "1m30s", or a number. */
export function durationMs(v: unknown): number | undefined {
  if (typeof v === 'number') return v; // air treats a small integer as milliseconds
  if (typeof v !== 'string') return undefined;
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  let consumed = 0;
  for (let m = re.exec(v); m; m = re.exec(v)) {
    total += Number(m[1]) * units[m[2]];
    consumed += m[0].length;
  }
  return consumed === v.length && v.length > 0 ? Math.round(total) : undefined;
}

/** Converts a parsed .air.toml; `root` is the module root until readAirToml resolves air's own. */
export function convertAir(doc: Record<string, unknown>, root = '.'): AirImport {
  const settings: RawSettings = {};
  const unsupported: string[] = [];
  const ignored: string[] = [];
  const air: AirImport = { settings, unsupported, ignored, root };
  const b = (doc.build ?? {}) as Record<string, unknown>;
  const strs = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : []);
  const rootPrefix = (p: string) => p.replace(/^\.\//, '').replace(/\/$/, '');

  for (const k of Object.keys(doc)) {
    const section = (doc[k] ?? {}) as Record<string, unknown>;
    if (['color', 'log', 'screen'].includes(k)) ignored.push(t('[{0}]: display only; Gopher Reload prints its own status lines', k));
    else if (k === 'misc') {
      // clean_on_exit = false is what we do: the output folder is kept between runs.
      if (section.clean_on_exit === true)
        ignored.push(t('[misc] clean_on_exit: the output folder is kept between runs (it holds a .gitignore, so git never sees it)'));
    } else if (k === 'proxy') convertProxy(section, settings, unsupported);
    else if (k === 'testdata_dir')
      ignored.push(t('testdata_dir: Go sources in testdata/ are excluded as the go command does; other files there (templates) still count'));
    else if (k === 'watch_dir' || k === 'env') unsupported.push(t('{0}: not supported yet', k));
    else if (!['root', 'tmp_dir', 'build'].includes(k)) unsupported.push(t('{0}: unknown to Gopher Reload', k));
  }
  if (typeof doc.tmp_dir === 'string') settings.outputDir = doc.tmp_dir;

  const handled = new Set<string>();
  const take = (k: string) => (handled.add(k), b[k]);
  if (typeof take('cmd') === 'string') settings.buildCommand = b.cmd as string; // air runs it in a shell too
  const fullBin = take('full_bin');
  if (typeof fullBin === 'string' && fullBin.trim()) {
    // "APP_ENV=dev ./tmp/main serve": leading assignments become env, the rest binary + args.
    const words = fullBin.trim().split(/\s+/);
    const env: Record<string, string> = {};
    while (words.length && /^\w+=/.test(words[0])) {
      const w = words.shift()!;
      env[w.slice(0, w.indexOf('='))] = w.slice(w.indexOf('=') + 1);
    }
    if (words.length) settings.binary = words[0];
    if (words.length > 1) settings.args = words.slice(1);
    if (Object.keys(env).length) settings.env = env;
    if (/["'$`|&;<>]/.test(fullBin)) unsupported.push(t('full_bin "{0}": shell syntax is not interpreted (split on spaces)', fullBin));
  } else if (typeof take('bin') === 'string') {
    const words = (b.bin as string).trim().split(/\s+/);
    settings.binary = words[0];
    if (words.length > 1) settings.args = words.slice(1);
  }
  handled.add('bin');
  const argsBin = strs(take('args_bin'));
  if (argsBin.length) settings.args = [...((settings.args as string[]) ?? []), ...argsBin];

  const exts = strs(take('include_ext'));
  const dirs = strs(take('include_dir')).map(rootPrefix);
  const files = strs(take('include_file')).map(rootPrefix);
  if (exts.length || files.length) {
    const under = dirs.length ? dirs.map((d) => `${d}/**`) : ['**'];
    settings.include = [...under.flatMap((u) => exts.map((e) => `${u}/*.${e}`)), ...files];
  }
  const excludeDirs = strs(take('exclude_dir')).map((d) => `${rootPrefix(d)}/**`);
  const excludeFiles = strs(take('exclude_file')).map(rootPrefix);
  const regexes = strs(take('exclude_regex'));
  const exclude = [...excludeDirs, ...excludeFiles, '**/.git/**', '**/node_modules/**'];
  for (const r of regexes) {
    // What air users write almost always is a file-name suffix ("_test.go", "\\.pb\\.go$").
    const plain = r.replace(/\\\./g, '.').replace(/\$$/, '');
    if (/^[\w.-]+$/.test(plain)) exclude.push(`**/*${plain}`);
    else unsupported.push(t('exclude_regex "{0}": only file-name suffixes convert to globs; add a glob to gopherReload.exclude', r));
  }
  if (excludeDirs.length || excludeFiles.length || regexes.length) settings.exclude = exclude;

  const delay = take('delay');
  // air's own default (1000 ms) is in most copied templates; it is air's latency, not a choice.
  if (typeof delay === 'number' && delay !== AIR_DEFAULT_DELAY) settings.quietWindowMs = delay;
  else if (delay === AIR_DEFAULT_DELAY)
    ignored.push(t("build.delay = {0}: air's default wait is not copied; Gopher Reload builds after 30 ms of quiet", AIR_DEFAULT_DELAY));
  const kd = durationMs(take('kill_delay'));
  if (kd !== undefined) settings.killDelayMs = kd;
  const si = take('send_interrupt');
  if (typeof si === 'boolean') settings.stopSignal = si ? 'SIGINT' : 'SIGKILL';
  const soe = take('stop_on_error');
  if (typeof soe === 'boolean') settings.stopOnBuildError = soe;
  const pre = strs(take('pre_cmd'));
  if (pre.length) settings.preBuild = pre;
  const envFiles = strs(take('env_files'));
  if (envFiles.length) settings.envFiles = envFiles;

  // air runs post_cmd once, when it exits (^C): our equivalent is a stop for good.
  const post = strs(take('post_cmd'));
  if (post.length) settings.postStop = post;
  // Keys set to what Gopher Reload does anyway change nothing and are not listed.
  if (typeof take('log') === 'string') ignored.push(t('build.log: build errors are shown, not written to a log file'));
  if (take('exclude_unchanged') === false) ignored.push(t("build.exclude_unchanged = false: a save that leaves a file's content unchanged never rebuilds"));
  if (take('follow_symlink') === false)
    ignored.push(t('build.follow_symlink = false: symlinked folders are followed (except links back into the project or to a folder above it)'));
  if (take('rerun_delay') !== undefined && b.rerun === true) ignored.push(t('build.rerun_delay: rerun is not supported (see build.rerun)'));
  if (take('poll') === true) {
    const ms = take('poll_interval');
    air.pollIntervalMs = typeof ms === 'number' && ms > 0 ? ms : AIR_DEFAULT_POLL_MS;
  }
  handled.add('poll_interval');
  if (b.rerun === true) unsupported.push(t('build.rerun: not supported (Gopher Reload restarts on crash with backoff instead)'));
  handled.add('rerun');
  for (const k of Object.keys(b)) if (!handled.has(k)) unsupported.push(t('build.{0}: unknown to Gopher Reload', k));
  air.settings = settings;
  return air;
}

/** air's browser proxy maps onto ours: the browser port is proxyPort, the app keeps app_port. */
function convertProxy(p: Record<string, unknown>, settings: RawSettings, unsupported: string[]): void {
  if (p.enabled !== true) return; // air's default: no proxy, as ours
  const port = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 65536 ? v : undefined);
  const proxyPort = port(p.proxy_port);
  if (proxyPort === undefined) {
    unsupported.push(t('[proxy] enabled without a valid proxy_port ({0}): the proxy is off', JSON.stringify(p.proxy_port)));
    return;
  }
  settings.proxyPort = proxyPort;
  if (port(p.app_port) !== undefined) settings.port = port(p.app_port);
}
