import { t } from '../util/l10n';
import * as fs from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import { isInside, within } from '../util/paths';
import { bounds, DEFAULT_EXCLUDE, DEFAULT_INCLUDE, settingRow, STOP_SIGNALS, type RawSettings, type SettingKey, type StopSignal } from './schema';

/**
 * The configuration model shared by the extension (settings `gopherReload.*`) and the CLI (flags).
 * `resolveConfig` turns untrusted raw values into a typed EngineConfig; a bad value is reported
 * and replaced by its default, so one typo never stops the loop.
 */
export { DEFAULT_EXCLUDE, DEFAULT_INCLUDE, STOP_SIGNALS, type RawSettings, type StopSignal } from './schema';

/** A command: an argv array runs without a shell; a single string runs in the user's shell. */
export type CommandSpec = string[] | string;

export interface EngineConfig {
  root: string;
  package: string;
  /** undefined: the default `go build` of `package` into `binary`. */
  buildCommand?: CommandSpec;
  buildFlags: string[];
  debugInfo: boolean;
  /** Run the server under Delve (headless, multi-client); implies debugInfo. */
  debug: boolean;
  /** The dlv binary; undefined: found at start (PATH, $GOBIN, $GOPATH/bin). */
  dlvPath?: string;
  /** Delve's port; undefined: a free one, kept for the engine's run. */
  debugPort?: number;
  buildTimeoutMs: number;
  preBuild: CommandSpec[];
  /** Run once when the server is stopped for good (Stop, hot reload off, exit), not between reloads. */
  postStop: CommandSpec[];
  outputDir: string;
  binary: string;
  args: string[];
  env: Record<string, string>;
  envFiles: string[];
  /** True when envFiles is the default ['.env']: a missing default file is not worth a warning. */
  envFilesDefault: boolean;
  include: string[];
  exclude: string[];
  quietWindowMs: number;
  stopSignal: StopSignal;
  killDelayMs: number;
  port?: number;
  healthUrl?: string;
  readyPattern?: RegExp;
  startupTimeoutMs: number;
  stopOnBuildError: boolean;
  restartOnCrash: boolean;
  /** Build unsaved editor contents in the background (go build -overlay); used on save if identical. */
  buildWhileTyping: boolean;
  /** When set, a request-holding proxy listens here and the app gets a port of its own. */
  proxyPort?: number;
  /** The env variable that tells the app its port behind the proxy (Gin reads PORT). */
  proxyPortEnv: string;
  proxyHoldMs: number;
  /** With the proxy: HTML pages reload themselves after each reload. */
  liveReload: boolean;
  /**
   * Hosts besides loopback that may see the proxy's own pages and endpoints (build errors, live
   * reload): remote development through a forwarded port. Lower case; a leading dot allows subdomains.
   */
  proxyAllowedHosts: string[];
  /**
   * How this adapter says the core's words (settings, commands) on pages the proxy serves itself,
   * which no adapter sees on their way out. Unset: as written (VS Code's words). The CLI sets cliWords.
   */
  pageWords?: (text: string) => string;
  /** The Go extension's `go.goroot` (raw): where to look for go first after go.alternateTools.go. */
  goroot?: string;
  /** The Go extension's `go.alternateTools.go` (raw): a path to go, or the name of one to look for. */
  goAlternateTool?: string;
  /** The go binary our own go commands run: set by the engine from what it found (GoToolchain); default `go`. */
  goBinary?: string;
}

/** Defaults the engine and its callers name directly; every other default is read from the schema row. */
export const DEFAULTS = {
  package: settingRow('package').default as string,
  buildTimeoutMs: bounds('buildTimeoutMs').def,
  outputDir: settingRow('outputDir').default as string,
  envFiles: settingRow('envFiles').default as readonly string[] as string[],
  quietWindowMs: bounds('quietWindowMs').def,
  stopSignal: settingRow('stopSignal').default as StopSignal,
  killDelayMs: bounds('killDelayMs').def,
  startupTimeoutMs: bounds('startupTimeoutMs').def,
};

export interface ConfigIssue {
  setting: string;
  message: string;
}

export interface ResolvedConfig {
  config: EngineConfig;
  issues: ConfigIssue[];
}

export function resolveConfig(root: string, raw: RawSettings): ResolvedConfig {
  const issues: ConfigIssue[] = [];
  const bad = (setting: string, message: string) => issues.push({ setting, message });
  const absRoot = path.resolve(root);

  const str = (key: keyof RawSettings, def: string): string => {
    const v = raw[key];
    if (v === undefined || v === null || v === '') return def;
    if (typeof v === 'string') return v;
    bad(key, t('expected a string, got {0}; using "{1}"', JSON.stringify(v), def));
    return def;
  };
  const strList = (key: keyof RawSettings, def: string[]): string[] => {
    const v = raw[key];
    if (v === undefined || v === null) return def;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    bad(key, t('expected a list of strings, got {0}; using {1}', JSON.stringify(v), JSON.stringify(def)));
    return def;
  };
  const num = (key: keyof RawSettings & SettingKey): number => {
    const { def, min, max } = bounds(key);
    const v = raw[key];
    if (v === undefined || v === null) return def;
    if (typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max) return v;
    bad(key, t('expected a number from {0} to {1}, got {2}; using {3}', min, max, JSON.stringify(v), def));
    return def;
  };
  const bool = (key: keyof RawSettings & SettingKey): boolean => {
    const def = settingRow(key).default as boolean;
    const v = raw[key];
    if (v === undefined || v === null) return def;
    if (typeof v === 'boolean') return v;
    bad(key, t('expected true or false, got {0}; using {1}', JSON.stringify(v), def));
    return def;
  };
  const command = (key: string, v: unknown): CommandSpec | undefined => {
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) return undefined;
    if (typeof v === 'string') return v;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string') && v[0] !== '') return v as string[];
    bad(key, t('expected an argv list like ["go", "build", "."] or one shell command string, got {0}', JSON.stringify(v)));
    return undefined;
  };
  const globs = (key: 'include' | 'exclude', def: string[]): string[] =>
    strList(key, def).filter((g) => {
      try {
        picomatch.makeRe(g, { dot: true, strictBrackets: true });
        return true;
      } catch (e) {
        bad(key, t('invalid glob "{0}" ({1}); it is ignored', g, (e as Error).message));
        return false;
      }
    });

  const pkg = str('package', DEFAULTS.package);
  const outputDir = checkedOutputDir(absRoot, str('outputDir', DEFAULTS.outputDir), bad);
  const exe = process.platform === 'win32' ? '.exe' : '';
  const binaryName = (path.basename(absRoot).replace(/[^\w.-]+/g, '_') || 'app') + exe;
  const binary = path.resolve(absRoot, str('binary', path.join(outputDir, binaryName)));

  const envFilesRaw = raw.envFiles;
  const env: Record<string, string> = {};
  if (raw.env !== undefined && raw.env !== null) {
    if (typeof raw.env === 'object' && !Array.isArray(raw.env)) {
      for (const [k, v] of Object.entries(raw.env as Record<string, unknown>)) {
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') env[k] = String(v);
        else bad('env', t('value of {0} must be a string; it is ignored', k));
      }
    } else bad('env', t('expected an object like {0}, got {1}', '{"GIN_MODE": "debug"}', JSON.stringify(raw.env)));
  }

  let port: number | undefined;
  if (raw.port !== undefined && raw.port !== null && raw.port !== 0 && raw.port !== '') {
    const p = typeof raw.port === 'string' ? Number(raw.port) : raw.port;
    if (typeof p === 'number' && Number.isInteger(p) && p > 0 && p < 65536) port = p;
    else bad('port', t('expected a port number from 1 to 65535, got {0}; the port will be detected', JSON.stringify(raw.port)));
  }

  let debugPort: number | undefined;
  if (raw.debugPort !== undefined && raw.debugPort !== null && raw.debugPort !== 0 && raw.debugPort !== '') {
    const p = typeof raw.debugPort === 'string' ? Number(raw.debugPort) : raw.debugPort;
    if (typeof p === 'number' && Number.isInteger(p) && p > 0 && p < 65536 && p !== port) debugPort = p;
    else bad('debugPort', t("expected a port number from 1 to 65535 other than the server's, got {0}; Delve takes a free port", JSON.stringify(raw.debugPort)));
  }

  let proxyPort: number | undefined;
  if (raw.proxyPort !== undefined && raw.proxyPort !== null && raw.proxyPort !== 0 && raw.proxyPort !== '') {
    const p = typeof raw.proxyPort === 'string' ? Number(raw.proxyPort) : raw.proxyPort;
    if (typeof p === 'number' && Number.isInteger(p) && p > 0 && p < 65536 && p !== port) proxyPort = p;
    else
      bad(
        'proxyPort',
        p === port
          ? t(
              "the proxy cannot use the app's own port {0}; set gopherReload.port to another port or leave it empty (the app gets a free one); the proxy is off",
              String(port),
            )
          : t('expected a port number from 1 to 65535, got {0}; the proxy is off', JSON.stringify(raw.proxyPort)),
      );
  }
  if (debugPort !== undefined && debugPort === proxyPort) {
    bad('debugPort', t("the debugger cannot use the proxy's port {0}; Delve takes a free port", String(proxyPort)));
    debugPort = undefined;
  }
  const proxyPortEnv = str('proxyPortEnv', settingRow('proxyPortEnv').default as string);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(proxyPortEnv)) bad('proxyPortEnv', t('"{0}" is not an environment variable name', proxyPortEnv));

  const proxyAllowedHosts = allowedHosts(raw.proxyAllowedHosts, bad);

  let healthUrl: string | undefined = str('healthUrl', '') || undefined;
  if (healthUrl) {
    try {
      const u = new URL(healthUrl);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
    } catch {
      bad('healthUrl', t('"{0}" is not an http:// or https:// URL (example: http://localhost:8080/health); readiness falls back to the port', healthUrl));
      healthUrl = undefined;
    }
  }

  let readyPattern: RegExp | undefined;
  const pattern = str('readyPattern', '');
  if (pattern) {
    try {
      readyPattern = new RegExp(pattern);
    } catch (e) {
      bad('readyPattern', t('invalid regular expression: {0}', (e as Error).message));
    }
  }

  const signal = str('stopSignal', DEFAULTS.stopSignal);
  const stopSignal = (STOP_SIGNALS as readonly string[]).includes(signal) ? (signal as StopSignal) : DEFAULTS.stopSignal;
  if (stopSignal !== signal) bad('stopSignal', t('"{0}" is not one of {1}; using SIGINT', String(signal), STOP_SIGNALS.join(', ')));

  const commands = (key: 'preBuild' | 'postStop'): CommandSpec[] => {
    const list = raw[key];
    const out: CommandSpec[] = [];
    if (list === undefined || list === null) return out;
    if (!Array.isArray(list)) {
      bad(key, t('expected a list of commands, got {0}', JSON.stringify(list)));
      return out;
    }
    list.forEach((c, i) => {
      const spec = command(`${key}[${i}]`, c);
      if (spec) out.push(spec);
    });
    return out;
  };

  const exclude = globs('exclude', DEFAULT_EXCLUDE);
  // The engine's own output must never trigger a build, whatever the user's exclude list says.
  const outRel = path.relative(absRoot, outputDir).split(path.sep).join('/');
  if (isInside(outputDir, absRoot)) exclude.push(`${outRel}/**`);

  const config: EngineConfig = {
    root: absRoot,
    package: pkg,
    buildCommand: command('buildCommand', raw.buildCommand),
    buildFlags: strList('buildFlags', []),
    // A debugger needs DWARF and unoptimised code: debug implies debugInfo.
    debugInfo: bool('debugInfo') || bool('debug'),
    debug: bool('debug'),
    dlvPath: str('dlvPath', '') || undefined,
    debugPort,
    buildTimeoutMs: num('buildTimeoutMs'),
    preBuild: commands('preBuild'),
    postStop: commands('postStop'),
    outputDir,
    binary,
    args: strList('args', []),
    env,
    envFiles: strList('envFiles', DEFAULTS.envFiles),
    envFilesDefault: envFilesRaw === undefined || envFilesRaw === null,
    include: globs('include', DEFAULT_INCLUDE),
    exclude,
    quietWindowMs: num('quietWindowMs'),
    stopSignal,
    killDelayMs: num('killDelayMs'),
    port,
    healthUrl,
    readyPattern,
    startupTimeoutMs: num('startupTimeoutMs'),
    stopOnBuildError: bool('stopOnBuildError'),
    restartOnCrash: bool('restartOnCrash'),
    buildWhileTyping: bool('buildWhileTyping'),
    proxyPort,
    proxyPortEnv: /^[A-Za-z_][A-Za-z0-9_]*$/.test(proxyPortEnv) ? proxyPortEnv : 'PORT',
    proxyHoldMs: num('proxyHoldMs'),
    liveReload: bool('liveReload'),
    proxyAllowedHosts,
  };
  return { config, issues };
}

/**
 * `proxyAllowedHosts`: host names as a browser sends them in Host, without scheme, port or path
 * ("my-box.example.com", ".app.github.dev", "[fd00::1]"). A bad entry is named and left out, the
 * others still apply.
 */
function allowedHosts(v: unknown, bad: (setting: string, message: string) => void): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    bad(
      'proxyAllowedHosts',
      t('expected a list of host names like ["my-box.example.com", ".app.github.dev"], got {0}; only loopback hosts are allowed', JSON.stringify(v)),
    );
    return [];
  }
  const out: string[] = [];
  v.forEach((h, i) => {
    const key = `proxyAllowedHosts[${i}]`;
    if (typeof h !== 'string') return bad(key, t('expected a host name (a string), got {0}; it is ignored', JSON.stringify(h)));
    const host = h.trim().toLowerCase();
    if (host === '*')
      return bad(key, t('"*" is not supported: list each host, or give a domain with a leading dot for its subdomains (".app.github.dev"); it is ignored'));
    // A bracketed IPv6 address holds colons; anything else with a colon carries a port or a scheme.
    const hostPart = /^\.?\[[0-9a-f:.]+\]$/.test(host) || /^\.?[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(host);
    if (!hostPart || host === '.')
      return bad(
        key,
        t(
          '"{0}" is not a host name: give it as the browser\'s address bar shows it, without scheme, port or path (for example "my-box.example.com"); it is ignored',
          h,
        ),
      );
    if (!out.includes(host)) out.push(host);
  });
  return out;
}

/**
 * The engine writes binaries and scratch files into outputDir, so it must be a folder of its own:
 * the module root or a package folder would mix our files with the user's sources.
 */
function checkedOutputDir(root: string, wanted: string, bad: (setting: string, message: string) => void): string {
  const dir = path.resolve(root, wanted);
  const fallback = path.resolve(root, DEFAULTS.outputDir);
  if (dir === fallback) return dir;
  if (within(root, dir)) {
    bad(
      'outputDir',
      t(
        '"{0}" is the module root or a folder above it; the build output needs a folder of its own (for example ".gopher-reload" or "tmp"); using "{1}"',
        wanted,
        DEFAULTS.outputDir,
      ),
    );
    return fallback;
  }
  let goFiles: string[] = [];
  try {
    goFiles = fs.readdirSync(dir).filter((f) => f.endsWith('.go'));
  } catch {
    // Not there yet: the engine creates it.
  }
  if (goFiles.length) {
    bad(
      'outputDir',
      t(
        '"{0}" holds Go sources ({1}); the build output needs a folder of its own (for example ".gopher-reload" or "tmp"); using "{2}"',
        wanted,
        goFiles.slice(0, 3).join(', '),
        DEFAULTS.outputDir,
      ),
    );
    return fallback;
  }
  return dir;
}

/** The argv of the default build: a fast development profile unless debug info is asked for. */
export function defaultBuildArgv(c: EngineConfig, binary = c.binary): string[] {
  // -s -w skips the symbol table and DWARF: the link is faster, panics still print file:line.
  // With debugInfo, keep DWARF and disable optimisations so a debugger can step through.
  const profile = c.debugInfo ? ['-gcflags=all=-N -l'] : ['-ldflags=-s -w'];
  // -v names each package as it is compiled: the build's progress (the builder keeps those lines
  // out of the output the user reads). A cached package is not named, so a warm build stays quiet.
  return [c.goBinary ?? 'go', 'build', '-v', ...profile, ...c.buildFlags, '-o', binary, c.package];
}

/** Replaces ${binary}, ${package}, ${root} and ${outputDir} inside a user's argv (never through a shell). */
export function expandArgv(argv: string[], c: EngineConfig, binary = c.binary): string[] {
  const vars: Record<string, string> = { binary, package: c.package, root: c.root, outputDir: c.outputDir };
  return argv.map((a) => a.replace(/\$\{(binary|package|root|outputDir)\}/g, (_, k: string) => vars[k]));
}
