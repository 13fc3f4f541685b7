#!/usr/bin/env node
// Idempotent installer for the "real VS Code" test host: VS Code Server as
// packaged by code-server on npm (no desktop VS Code can be downloaded here),
// driven by Debian's Chromium. Steps follow /work/shared/docs/vscode-host.md.
//
//   node test/host/install.mjs          # install if needed, print paths
//   import { ensureCodeServer } from './install.mjs'
//   const { entry, chromium } = await ensureCodeServer();
//
// The install lives in <repo>/.vscode-test/code-server-<version>/ (git-ignored)
// and is reused as long as its marker file matches the version and Node ABI.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3'; // VS Code 1.100.3; engines.node 20 (4.103+ needs Node 22)
const RIPGREP_PKG_VERSION = '1.18.0';
// libkrb5-dev: the `kerberos` native module needs gssapi/gssapi.h; fonts-noto-cjk: Chinese text in screenshots (the zh-cn check)
const APT_PACKAGES = ['chromium', 'libkrb5-dev', 'fonts-noto-cjk'];

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = '/usr/bin/chromium';

/** Where everything lives; no side effects. */
export function codeServerPaths() {
  const prefix = path.join(REPO_ROOT, '.vscode-test', `code-server-${CODE_SERVER_VERSION}`);
  const pkg = path.join(prefix, 'node_modules', 'code-server');
  return {
    prefix,
    pkg,
    vscode: path.join(pkg, 'lib', 'vscode'),
    entry: path.join(pkg, 'out', 'node', 'entry.js'),
    chromium: CHROMIUM,
    marker: path.join(prefix, '.install-complete.json'),
    log: path.join(prefix, 'install.log'),
  };
}

function readMarker(marker) {
  try {
    return JSON.parse(fs.readFileSync(marker, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Make sure code-server and Chromium are installed; returns their paths.
 * Fast path (marker present): a couple of stat calls, no child processes.
 */
export async function ensureCodeServer({ log = (m) => console.log(`[host-install] ${m}`) } = {}) {
  const p = codeServerPaths();
  const m = readMarker(p.marker);
  // Native modules are built against the running Node's ABI, so a Node upgrade invalidates the cache.
  const cached = m && m.version === CODE_SERVER_VERSION && m.nodeAbi === process.versions.modules && fs.existsSync(p.entry);
  if (cached && fs.existsSync(p.chromium)) return { entry: p.entry, chromium: p.chromium, prefix: p.prefix };
  const t0 = Date.now();
  ensureAptPackages(log);
  if (cached) return { entry: p.entry, chromium: p.chromium, prefix: p.prefix }; // only the browser was missing
  await installCodeServer(p, log);
  fs.writeFileSync(
    p.marker,
    JSON.stringify(
      {
        version: CODE_SERVER_VERSION,
        nodeAbi: process.versions.modules,
        node: process.version,
        completedAt: new Date().toISOString(),
        seconds: Math.round((Date.now() - t0) / 1000),
      },
      null,
      2,
    ) + '\n',
  );
  log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s -> ${p.prefix}`);
  return { entry: p.entry, chromium: p.chromium, prefix: p.prefix };
}

function aptInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

function ensureAptPackages(log) {
  const missing = APT_PACKAGES.filter((p) => !aptInstalled(p));
  if (missing.length === 0) return;
  const cmd = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing system packages: ${missing.join(', ')}. Install them as root:\n  ${cmd}`);
  }
  log(`apt: installing ${missing.join(', ')} ...`);
  for (const args of [
    ['update', '-q'],
    ['install', '-y', '-q', '--no-install-recommends', ...missing],
  ]) {
    const r = spawnSync('apt-get', args, {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (r.status !== 0) {
      const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-20).join('\n');
      throw new Error(`apt-get ${args[0]} failed (exit ${r.status}); run: ${cmd}\n${tail}`);
    }
  }
  log(`apt: ok`);
}

/** Environment for the child npm processes. */
function npmEnv() {
  const env = { ...process.env, npm_config_yes: 'true' }; // node-pty's install runs `npx node-gyp`; ~/.npmrc may say yes=false
  env.npm_config_update_notifier = 'false';
  env.npm_config_fund = 'false';
  env.npm_config_audit = 'false';
  // node-gyp needs Node's headers. It would download them from nodejs.org, which is unreachable
  // here; the Debian/NodeSource `nodejs` package ships them in <prefix>/include/node. Point
  // nodedir at that prefix (this is what ~/.npmrc's `nodedir=/usr` does on this machine; set it
  // explicitly so it also works without that .npmrc, and only when the headers are really there).
  const nodePrefix = path.resolve(path.dirname(process.execPath), '..');
  if (fs.existsSync(path.join(nodePrefix, 'include', 'node', 'node.h'))) {
    env.npm_config_nodedir = nodePrefix;
  }
  return env;
}

/** Run a command, output to the install log; on failure throw with the log's tail. */
function run(cmd, args, cwd, logFile) {
  return new Promise((resolve, reject) => {
    fs.appendFileSync(logFile, `\n$ (cd ${cwd} && ${cmd} ${args.join(' ')})\n`);
    const child = spawn(cmd, args, { cwd, env: npmEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => fs.appendFileSync(logFile, d));
    child.stderr.on('data', (d) => fs.appendFileSync(logFile, d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) return resolve();
      const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n');
      reject(new Error(`\`${cmd} ${args.join(' ')}\` in ${cwd} failed (exit ${code}). Log tail (${logFile}):\n${tail}`));
    });
  });
}

function symlink(target, linkPath) {
  fs.rmSync(linkPath, { recursive: true, force: true });
  fs.symlinkSync(target, linkPath);
}

async function installCodeServer(p, log) {
  if (process.arch !== 'x64') throw new Error(`only linux-x64 is supported (ripgrep package), got ${process.arch}`);
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 20) throw new Error(`code-server ${CODE_SERVER_VERSION} needs Node 20, this is ${process.version}`);
  fs.mkdirSync(p.prefix, { recursive: true });
  // Our own package.json, so npm treats the prefix as the project root instead of walking up
  // to the repo's package.json (which it must never modify).
  const ownPkg = path.join(p.prefix, 'package.json');
  if (!fs.existsSync(ownPkg)) {
    fs.writeFileSync(ownPkg, JSON.stringify({ name: 'gopher-reload-vscode-host', private: true }, null, 2) + '\n');
  }
  fs.writeFileSync(p.log, `install started ${new Date().toISOString()}\n`);
  const step = async (what, cmd, args, cwd) => {
    const t = Date.now();
    log(`${what} ...`);
    await run(cmd, args, cwd, p.log);
    log(`${what}: ok (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  };
  const npm = 'npm';
  // --ignore-scripts: code-server's postinstall would download ripgrep from GitHub; we do its steps by hand.
  await step(
    `npm install code-server@${CODE_SERVER_VERSION}`,
    npm,
    ['install', '--ignore-scripts', `code-server@${CODE_SERVER_VERSION}`, `@vscode/ripgrep-linux-x64@${RIPGREP_PKG_VERSION}`],
    p.prefix,
  );
  // argon2's prebuilt download fails offline, then it compiles.
  await step('npm rebuild argon2', npm, ['rebuild', 'argon2'], p.prefix);
  await step('lib/vscode: npm install --omit=dev', npm, ['install', '--omit=dev', '--ignore-scripts'], p.vscode);

  // ripgrep: its postinstall skips the GitHub download when bin/ already exists.
  const rgSrc = path.join(p.prefix, 'node_modules', '@vscode', 'ripgrep-linux-x64', 'bin', 'rg');
  const rgDir = path.join(p.vscode, 'node_modules', '@vscode', 'ripgrep', 'bin');
  fs.mkdirSync(rgDir, { recursive: true });
  fs.copyFileSync(rgSrc, path.join(rgDir, 'rg'));
  fs.chmodSync(path.join(rgDir, 'rg'), 0o755);
  log('ripgrep: put in place');

  await step('lib/vscode: npm rebuild (native modules)', npm, ['rebuild'], p.vscode);

  // What code-server's postinstall.sh does after its `npm install`.
  symlink('node_modules', path.join(p.vscode, 'node_modules.asar'));
  symlink('code-linux.sh', path.join(p.vscode, 'bin', 'remote-cli', 'code-server'));
  symlink('browser-linux.sh', path.join(p.vscode, 'bin', 'helpers', 'browser.sh'));
  log('symlinks: ok');
  await step('lib/vscode/extensions: npm install --omit=dev', npm, ['install', '--omit=dev'], path.join(p.vscode, 'extensions'));

  // Sanity check: the native modules the server loads at start must load with this Node.
  const check = spawnSync(
    process.execPath,
    [
      '-e',
      `
    for (const m of ['@vscode/spdlog', 'node-pty', 'native-watchdog', 'kerberos', '@vscode/deviceid']) require(m);
  `,
    ],
    { cwd: p.vscode, encoding: 'utf8', env: { ...process.env, NODE_PATH: path.join(p.vscode, 'node_modules') } },
  );
  if (check.status !== 0) throw new Error(`native module check failed:\n${check.stderr}`);
  // A throwaway HOME: even `--version` writes a default ~/.config/code-server/config.yaml.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-version-'));
  const ver = spawnSync(process.execPath, [p.entry, '--version'], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_DATA_HOME: path.join(home, '.local/share') },
  });
  fs.rmSync(home, { recursive: true, force: true });
  if (ver.status !== 0) throw new Error(`code-server --version failed:\n${ver.stderr}`);
  log(`code-server --version: ${ver.stdout.trim().split('\n').pop()}`);
}

// CLI
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const t0 = Date.now();
  ensureCodeServer()
    .then((r) => {
      console.log(`[host-install] ready (${Date.now() - t0} ms): entry=${r.entry} chromium=${r.chromium}`);
    })
    .catch((e) => {
      console.error(`[host-install] FAILED: ${e.message}`);
      process.exit(1);
    });
}
