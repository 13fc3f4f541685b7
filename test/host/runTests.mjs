#!/usr/bin/env node
// Run an extension's mocha suite inside a real VS Code extension host (VS Code Server, driven
// by headless Chromium). API:
//
//   import { runExtensionTests } from './test/host/runTests.mjs';
//   const r = await runExtensionTests({ extensionDevelopmentPath, extensionTestsPath, workspace });
//   // r = { ok, passed, failed, failures: [{title, error}], exitCode, output, durationMs, timings, runDir }
//
// CLI:
//   node test/host/runTests.mjs --extension <dir> --tests <abs compiled index.js> --workspace <dir>
//        [--timeout <ms>] [--trust] [--keep] [--env KEY=VALUE]...
//   exits 0 when every test passed.
//
// The suite's run() should write {passed, failed, failures:[{title, error}]} to the file named by
// process.env.GOPHER_RELOAD_TEST_RESULTS (see test/host/README.md); without it only the exit code
// (from window.codeAutomationExit) is known.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import util from 'node:util';
import { startCodeServer, workbenchUrl, launchBrowser } from './codeServer.mjs';

export const RESULTS_ENV = 'GOPHER_RELOAD_TEST_RESULTS';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms).unref()); // unref: never keeps the process alive

/** Best-effort bounded wait, for cleanup steps that must not hang the harness. */
const bounded = (p, ms) => Promise.race([Promise.resolve(p).catch(() => {}), sleep(ms)]);

/** Files below `dir` whose path matches `re` (small trees only). */
function findFiles(dir, re, acc = []) {
  let entries = [];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return acc;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) findFiles(p, re, acc);
    else if (re.test(p)) acc.push(p);
  }
  return acc;
}

/**
 * Turn a browser console message back into the text the extension host logged. In test mode the
 * workbench forwards the extension host's console.* through its log service, which logs
 * ('%c INFO', 'color: ...', format, ...args) with the format's placeholders left unfilled.
 */
async function formatConsole(msg) {
  try {
    const vals = await Promise.all(msg.args().map((a) => a.jsonValue()));
    if (vals.length === 0) return msg.text(); // browser-generated, e.g. "Failed to load resource"
    let level = '';
    if (typeof vals[0] === 'string' && /^%c\s*[A-Z]+\s*$/.test(vals[0])) {
      level = vals[0].replace('%c', '').trim();
      vals.splice(0, 2); // the level and its CSS
    }
    return `${level === 'INFO' ? '' : level ? `${level} ` : ''}${util.format(...vals)}`;
  } catch {
    return msg.text().replace(/%c/g, '');
  }
}

/**
 * The suite's output, best source first: the `output` the suite put into the results file
 * (exact, see README), else everything the page's console got (the extension host's console
 * output mixed with the workbench's own log lines).
 */
function suiteOutput(counts, consoleLines) {
  if (counts && typeof counts.output === 'string') return { source: 'results file', text: counts.output };
  return { source: 'browser console, workbench log lines included', text: consoleLines.join('\n') };
}

/** Extension host log files (activation errors end up there, not in the console). */
function exthostLogs(runDir) {
  return findFiles(path.join(runDir, 'udd', 'logs'), /[/\\]exthost\d*[/\\]remoteexthost\.log$/);
}

export async function runExtensionTests({
  extensionDevelopmentPath,
  extensionTestsPath,
  workspace,
  // Other development extensions loaded next to it (for example a stand-in for the Go extension).
  extraExtensions = [],
  env = {},
  timeoutMs = 120_000,
  trust = false,
  runDir,
  keepRunDir = false,
  printOutput = true,
  log = (m) => console.log(`[host] ${m}`),
}) {
  for (const [name, p] of [
    ['extensionDevelopmentPath', extensionDevelopmentPath],
    ['extensionTestsPath', extensionTestsPath],
    ['workspace', workspace],
  ]) {
    if (!p || !fs.existsSync(p)) throw new Error(`${name} does not exist: ${p}`);
  }
  extensionDevelopmentPath = path.resolve(extensionDevelopmentPath);
  extensionTestsPath = path.resolve(extensionTestsPath);
  workspace = path.resolve(workspace);
  runDir = runDir ? path.resolve(runDir) : fs.mkdtempSync(path.join(os.tmpdir(), 'gopher-host-'));
  fs.mkdirSync(runDir, { recursive: true });
  const resultsFile = path.join(runDir, 'results.json');
  fs.rmSync(resultsFile, { force: true });

  const t0 = Date.now();
  const timings = {};
  const mark = (k) => {
    timings[k] = Date.now() - t0;
  };
  const consolePending = [];
  let consoleLines = [];
  let counts = null;
  let server, browser, timer;
  let result;
  try {
    // Server and browser start in parallel; allSettled so that one failing still lets us clean up the other.
    // The workbench reads the URL payload into a Map, so a second extensionDevelopmentPath would
    // replace the first: other extensions are installed into the run's extensions folder instead.
    for (const dir of extraExtensions) {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      fs.cpSync(dir, path.join(runDir, 'exts', `${pkg.publisher}.${pkg.name}-${pkg.version}`), { recursive: true });
    }
    const [s, b] = await Promise.allSettled([
      startCodeServer({ runDir, trust, env: { ...env, [RESULTS_ENV]: resultsFile } }).then((x) => (mark('serverReady'), x)),
      launchBrowser().then((x) => (mark('browserReady'), x)),
    ]);
    if (s.status === 'fulfilled') server = s.value;
    if (b.status === 'fulfilled') browser = b.value;
    if (s.status === 'rejected') throw s.reason;
    if (b.status === 'rejected') throw b.reason;

    const page = await browser.newPage();
    page.on('console', (msg) => consolePending.push(formatConsole(msg)));
    // The workbench calls window.codeAutomationExit(code, logs) when the suite's run() settles.
    // It must exist before the workbench loads, hence exposeFunction before goto.
    let onExit;
    const exited = new Promise((resolve) => {
      onExit = resolve;
    });
    await page.exposeFunction('codeAutomationExit', (code) => {
      mark('suiteDone');
      onExit(code);
    });
    const url = workbenchUrl({
      port: server.port,
      folder: workspace,
      extensionDevelopmentPath,
      extensionTestsPath,
    });
    const timedOut = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms (no codeAutomationExit); run dir kept: ${runDir}`)), timeoutMs);
    });
    await Promise.race([page.goto(url, { waitUntil: 'domcontentloaded' }), timedOut]);
    mark('pageLoaded');
    const exitCode = await Promise.race([exited, timedOut]);

    try {
      counts = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
    } catch {
      /* suite did not write it */
    }
    result = {
      ok: counts ? counts.failed === 0 && exitCode === 0 : exitCode === 0,
      passed: counts?.passed ?? null,
      failed: counts?.failed ?? null,
      pending: counts?.pending ?? 0,
      failures: counts?.failures ?? [],
      exitCode,
      resultsFromFile: !!counts,
    };
  } catch (e) {
    e.runDir = runDir;
    keepRunDir = true;
    throw e;
  } finally {
    clearTimeout(timer);
    // Always clean up, also after a timeout or an error: the browser, then the server (SIGTERM,
    // then SIGKILL to its whole process group, which also takes anything the extension spawned).
    consoleLines = (await bounded(Promise.all(consolePending), 2000)) ?? [];
    if (browser) await bounded(browser.close(), 5000);
    mark('browserClosed');
    // The extension host already ended with the suite (its deactivate() ran then), so only a
    // short grace before the process group is killed.
    if (server) await server.stop({ graceMs: 1500 });
    mark('cleanedUp');
    const out = suiteOutput(counts, consoleLines);
    const logs = exthostLogs(runDir);
    if (result) Object.assign(result, { output: out.text, outputSource: out.source });
    if (printOutput && out.text.trim()) {
      log(`--- suite output (${out.source}) ---\n${out.text.trimEnd()}\n--- end of suite output ---`);
    }
    if (!result || !result.ok) {
      keepRunDir = true;
      // Activation errors and the host's own view of the run are in its log, not in the console.
      if (printOutput) for (const f of logs) log(`--- ${f} ---\n${fs.readFileSync(f, 'utf8').trimEnd()}`);
    }
    if (!keepRunDir) fs.rmSync(runDir, { recursive: true, force: true });
  }
  return { ...result, durationMs: Date.now() - t0, timings, runDir: keepRunDir ? runDir : null };
}

// CLI
function parseArgs(argv) {
  const o = { env: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--extension') o.extensionDevelopmentPath = next();
    else if (a === '--tests') o.extensionTestsPath = next();
    else if (a === '--workspace') o.workspace = next();
    else if (a === '--timeout') o.timeoutMs = Number(next());
    else if (a === '--run-dir') o.runDir = next();
    else if (a === '--trust') o.trust = true;
    else if (a === '--keep') o.keepRunDir = true;
    else if (a === '--env') {
      const [k, ...v] = next().split('=');
      o.env[k] = v.join('=');
    } else throw new Error(`unknown argument: ${a}`);
  }
  if (!o.extensionDevelopmentPath || !o.extensionTestsPath || !o.workspace) {
    throw new Error(
      'usage: node test/host/runTests.mjs --extension <dir> --tests <abs compiled index.js> --workspace <dir> [--timeout ms] [--trust] [--keep] [--run-dir dir] [--env K=V]...',
    );
  }
  return o;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
  runExtensionTests(opts).then(
    (r) => {
      const t = r.timings;
      console.log(
        `[host] VS Code Server ${r.ok ? 'PASSED' : 'FAILED'}: ${r.passed ?? '?'} passed, ${r.failed ?? '?'} failed` +
          ` (exit code ${r.exitCode}${r.resultsFromFile ? '' : ', no results file'}) in ${(r.durationMs / 1000).toFixed(1)} s` +
          ` [server ${t.serverReady} ms, browser ${t.browserReady} ms, suite done ${t.suiteDone} ms, browser closed ${t.browserClosed} ms, cleaned up ${t.cleanedUp} ms]`,
      );
      for (const f of r.failures)
        console.log(
          `[host]   x ${f.title}\n${String(f.error)
            .split('\n')
            .map((l) => `        ${l}`)
            .join('\n')}`,
        );
      if (r.runDir) console.log(`[host] run dir kept: ${r.runDir}`);
      process.exit(r.ok ? 0 : 1);
    },
    (e) => {
      console.error(`[host] ERROR: ${e.message}`);
      process.exit(1);
    },
  );
}
