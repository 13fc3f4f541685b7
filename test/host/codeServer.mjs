// Start/stop an isolated VS Code Server (code-server) and drive it with Chromium.
// Facts behind the choices: /work/shared/docs/vscode-host.md.
//
//   const srv = await startCodeServer({ runDir, env, trust });   // { port, url, pid, logFile, stop({ graceMs }) }
//   const url = workbenchUrl({ port: srv.port, folder, extensionDevelopmentPath, extensionTestsPath });
//   const browser = await launchBrowser();
//   ...
//   await browser.close(); await srv.stop();
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ensureCodeServer, CHROMIUM, REPO_ROOT } from './install.mjs';
import { installLanguagePack } from './langpack.mjs';
import { freePort } from '../support/index.mjs';

const HOST = '127.0.0.1';

// User settings that remove every dialog/tour/network call that could block or slow the UI.
export function defaultSettings({ trust = false } = {}) {
  const s = {
    'workbench.startupEditor': 'none',
    'security.workspace.trust.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'extensions.ignoreRecommendations': true,
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'git.enabled': false,
    // VS Code in a browser saves by itself after 1 s by default; desktop VS Code does not. Tests
    // and benchmarks save explicitly, as on the desktop.
    'files.autoSave': 'off',
  };
  // Testing the extension's own workspace-trust behaviour: keep trust on (VS Code's default).
  if (trust) delete s['security.workspace.trust.enabled'];
  return s;
}

// Go settings the isolated HOME/XDG dirs would otherwise hide: the build and module caches
// (a cold GOCACHE recompiles every dependency, a fresh GOMODCACHE downloads them) and what
// `go env -w` put in ~/.config/go/env (here GOTOOLCHAIN=local and GOFLAGS=-buildvcs=false).
const GO_VARS = [
  'GOCACHE',
  'GOMODCACHE',
  'GOPATH',
  'GOENV',
  'GOFLAGS',
  'GOTOOLCHAIN',
  'GOPROXY',
  'GOSUMDB',
  'GOPRIVATE',
  'GONOPROXY',
  'GONOSUMDB',
  'GOINSECURE',
];
let goEnvCache;
/** The effective values of GO_VARS for the harness's own user ({} when `go` is not on PATH). */
export function hostGoEnv() {
  if (goEnvCache) return goEnvCache;
  const r = spawnSync('go', ['env', '-json', ...GO_VARS], { encoding: 'utf8', timeout: 10_000 });
  goEnvCache = {};
  if (r.status === 0) {
    for (const [k, v] of Object.entries(JSON.parse(r.stdout))) if (v) goEnvCache[k] = v;
  }
  return goEnvCache;
}

// One freePort for every test script (test/support/index.mjs); re-exported for callers of this module.
export { freePort };

// Every server still running, so a crash/Ctrl-C of the harness does not leave orphans:
// the servers run in their own process group, so a terminal's SIGINT never reaches them.
const live = new Set();
const liveStops = new Map(); // pid -> graceful stop(), used on Ctrl-C so deactivate() still runs
let handlersInstalled = false;
function killAllNow() {
  for (const pid of live) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  live.clear();
}
function installExitHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAllNow);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(sig, async () => {
      // Graceful first (SIGTERM: extensions' deactivate() runs), bounded, then the hard way.
      await Promise.race([Promise.allSettled([...liveStops.values()].map((stop) => stop())), sleep(8000)]);
      killAllNow();
      process.kill(process.pid, sig); // re-raise with the default behaviour (handler was `once`)
    });
  }
}

/** Is any non-zombie process left in process group `pgid`? (kill(-pgid, 0) also counts zombies,
 *  which linger until init reaps them, so read /proc instead.) */
function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false; // no process at all in the group
  }
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the ")" that ends the command name: state ppid pgrp ...
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') return true;
  }
  return false;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Start code-server isolated in `runDir` (created if missing).
 * @param {{ runDir: string, env?: Record<string,string>, trust?: boolean, settings?: object,
 *   keepGoEnv?: boolean, readyTimeoutMs?: number, locale?: string }} o
 * `env` is added to the server's environment; the extension host inherits it. HOME and XDG_* point
 * into runDir; keepGoEnv (default) passes the host's Go caches/settings through (see hostGoEnv).
 * `settings` are merged over defaultSettings({ trust }).
 * `locale` (e.g. 'zh-cn'): VS Code's display language, so `vscode.env.language` in the extension
 * host is that locale: installs the stand-in pack test/fixtures/langpack-<locale> (langpack.mjs
 * says why `--locale` alone is not enough) and passes `--locale`.
 * @returns {Promise<{ port: number, url: string, pid: number, runDir: string, logFile: string,
 *   stop(opts?: { graceMs?: number }): Promise<void> }>}  stop(): SIGTERM, wait up to graceMs for the
 *   group to exit by itself, then SIGKILL the process group. Idempotent.
 */
export async function startCodeServer({ runDir, env = {}, trust = false, settings = {}, keepGoEnv = true, readyTimeoutMs = 30_000, locale }) {
  if (!runDir) throw new Error('startCodeServer: runDir is required');
  const { entry } = await ensureCodeServer();
  runDir = path.resolve(runDir);
  const d = {
    udd: path.join(runDir, 'udd'),
    exts: path.join(runDir, 'exts'),
    home: path.join(runDir, 'home'),
    config: path.join(runDir, 'xdg', 'config'),
    data: path.join(runDir, 'xdg', 'data'),
    cache: path.join(runDir, 'xdg', 'cache'),
    tmp: path.join(runDir, 'tmp'),
  };
  for (const dir of [...Object.values(d), path.join(d.udd, 'User')]) fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(d.udd, 'User', 'settings.json'), JSON.stringify({ ...defaultSettings({ trust }), ...settings }, null, 2) + '\n');
  const configFile = path.join(runDir, 'config.yaml');
  fs.writeFileSync(configFile, 'auth: none\ncert: false\n');
  const logFile = path.join(runDir, 'code-server.log');

  // Drop VS Code variables of an enclosing VS Code (e.g. when run from its terminal): they would
  // make the server think it is nested in another instance.
  const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VSCODE_') && k !== 'ELECTRON_RUN_AS_NODE'));
  const tmp = d.tmp;
  const childEnv = {
    ...baseEnv,
    HOME: d.home,
    XDG_CONFIG_HOME: d.config,
    XDG_DATA_HOME: d.data,
    XDG_CACHE_HOME: d.cache,
    EXTENSIONS_GALLERY: '{}', // no marketplace: nothing to fetch, nothing to recommend
    // The server normally gives the extension host the env of a login shell (`bash -ilc env`), run
    // with our isolated HOME: that resets PATH to /etc/profile's (no /usr/local/go/bin, no
    // ~/.bashrc additions), so `go` is not found. VSCODE_CLI=1 makes it skip that step
    // ("resolveShellEnv(): skipped (VSCODE_CLI is set)"), and the extension host inherits this env.
    VSCODE_CLI: '1',
    // The server leaves its vscode-ipc-*.sock files in the temp dir: keep them in the run dir
    // (unless that makes unix-socket paths too long: the limit is 107 bytes).
    ...(tmp.length <= 60 ? { TMPDIR: tmp } : {}),
    ...(keepGoEnv ? hostGoEnv() : {}),
    ...env,
  };
  // A null value in `env` removes that variable (for example GOROOT, to test finding Go without it).
  for (const [k, v] of Object.entries(childEnv)) if (v === null || v === undefined) delete childEnv[k];
  if (locale) installLanguagePack({ locale, entry, runDir, udd: d.udd, exts: d.exts, env: childEnv });

  // The port is picked before the server binds it; retry if someone else grabs it meanwhile.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const args = [
      entry,
      '--config',
      configFile,
      '--auth',
      'none',
      '--bind-addr',
      `${HOST}:${port}`,
      '--user-data-dir',
      d.udd,
      '--extensions-dir',
      d.exts,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      ...(trust ? [] : ['--disable-workspace-trust']),
      ...(locale ? ['--locale', locale] : []),
    ];
    const out = fs.createWriteStream(logFile, { flags: 'a' });
    // detached: own process group, so stop() can kill the ptyHost/file-watcher children with it.
    const child = spawn(process.execPath, args, { cwd: runDir, env: childEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child.pid);
    installExitHandlers();
    const exitP = new Promise((r) => child.once('exit', (code, sig) => r({ code, sig })));
    let buf = '';
    const ready = new Promise((resolve, reject) => {
      const onData = (chunk) => {
        out.write(chunk);
        if (buf !== null) {
          buf += chunk.toString();
          if (buf.includes('HTTP server listening')) {
            buf = null;
            resolve();
          }
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      exitP.then(({ code, sig }) => reject(new Error(`code-server exited before it was ready (code ${code}, signal ${sig})`)));
      setTimeout(() => reject(new Error(`code-server not ready after ${readyTimeoutMs} ms`)), readyTimeoutMs).unref();
    });
    ready.catch(() => {});
    child.once('close', () => out.end()); // 'close' comes after the last output, unlike 'exit'

    let stopped = null;
    const stop = ({ graceMs = 5000 } = {}) =>
      (stopped ??= (async () => {
        // 1. SIGTERM to the main process only: the server shuts the extension host down gracefully,
        //    so extensions' deactivate() runs. Killing the group first would skip that. The main
        //    process exits (~1 s) *before* the extension host has finished deactivating (~1.5 s),
        //    so wait for the whole group to drain, not just for the main process.
        const deadline = Date.now() + graceMs;
        if (groupAlive(child.pid)) {
          try {
            process.kill(child.pid, 'SIGTERM');
          } catch {
            /* gone */
          }
          while (Date.now() < deadline && groupAlive(child.pid)) await sleep(100);
        }
        // 2. Whatever is left of the group (a watcher, a hung extension host): SIGKILL.
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* group already empty */
        }
        for (let i = 0; i < 40 && groupAlive(child.pid); i++) await sleep(50);
        live.delete(child.pid);
        liveStops.delete(child.pid);
      })());

    try {
      await ready;
    } catch (e) {
      await stop();
      const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
      if (/EADDRINUSE/.test(log) && attempt < 3) continue;
      throw new Error(`${e.message}\n--- ${logFile} ---\n${log.split('\n').slice(-30).join('\n')}`);
    }
    liveStops.set(child.pid, stop);
    return { port, url: `http://${HOST}:${port}/`, pid: child.pid, runDir, logFile, stop };
  }
}

/** A `vscode-remote://` URI for an absolute path on the server's machine. */
function remoteUri(port, absPath, host = HOST) {
  if (!path.isAbsolute(absPath)) throw new Error(`not an absolute path: ${absPath}`);
  return `vscode-remote://${host}:${port}${absPath.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * The workbench URL opening `folder`, with the extension under development loaded, and (if
 * `extensionTestsPath`, the compiled suite's index.js, is given) its tests run in the extension host.
 * The payload values must be vscode-remote URIs with the page's own host:port, otherwise the
 * workbench reads them as browser-local files.
 */
export function workbenchUrl({ port, folder, extensionDevelopmentPath, extensionTestsPath, host = HOST }) {
  const payload = [];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remoteUri(port, path.resolve(extensionDevelopmentPath), host)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remoteUri(port, path.resolve(extensionTestsPath), host)]);
  // A .code-workspace file opens as a (multi-root) workspace, anything else as a folder.
  const target = path.resolve(folder);
  const key = target.endsWith('.code-workspace') ? 'workspace' : 'folder';
  let url = `http://${host}:${port}/?${key}=${encodeURIComponent(target)}`;
  if (payload.length) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  return url;
}

/** playwright-core's Chromium, using Debian's browser (never `playwright install`: it downloads). */
export async function launchBrowser({ headless = true, args = [] } = {}) {
  // playwright-core is the project's devDependency; resolve it from the repo.
  const require = createRequire(path.join(REPO_ROOT, 'package.json'));
  const { chromium } = require('playwright-core');
  // Chromium writes ~/.config/chromium/Crash Reports even with a temporary profile: give it its own
  // HOME, removed when the browser goes away.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gopher-chromium-'));
  const browser = await chromium
    .launch({
      executablePath: CHROMIUM,
      headless,
      env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_CACHE_HOME: path.join(home, '.cache') },
      args: [
        '--no-sandbox', // running as root in a container
        '--disable-gpu',
        '--disable-dev-shm-usage', // small /dev/shm in containers
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-default-apps',
        '--disable-sync',
        '--no-first-run',
        '--password-store=basic',
        ...args,
      ],
    })
    .catch((e) => {
      fs.rmSync(home, { recursive: true, force: true });
      throw e;
    });
  browser.on('disconnected', () => fs.rmSync(home, { recursive: true, force: true }));
  return browser;
}
