#!/usr/bin/env node
// Open the real VS Code workbench (VS Code Server + headless Chromium) on a folder with the
// extension under development loaded, for UI checks and screenshots.
//
//   import { openWorkbench } from './test/host/screenshot.mjs';
//   const wb = await openWorkbench({ extensionDevelopmentPath, folder, env });
//   await wb.page.screenshot({ path: 'shot.png' });
//   await wb.close();   // SIGTERMs the server first (extensions' deactivate() runs), then cleans up
//
// CLI (demo/proof):
//   node test/host/screenshot.mjs --extension <dir> --folder <dir> [--out shot.png] [--env K=V]... [--trust]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startCodeServer, workbenchUrl, launchBrowser } from './codeServer.mjs';

export const STATUSBAR = '#workbench\\.parts\\.statusbar';

/**
 * @returns {Promise<{ page, browser, server, url: string, runDir: string, close(): Promise<void> }>}
 */
export async function openWorkbench({
  extensionDevelopmentPath,
  folder,
  env = {},
  trust = false,
  runDir,
  keepRunDir = false,
  viewport = { width: 1280, height: 800 },
  timeoutMs = 60_000,
}) {
  const ownRunDir = !runDir;
  runDir = runDir ? path.resolve(runDir) : fs.mkdtempSync(path.join(os.tmpdir(), 'gopher-wb-'));
  let server, browser;
  let closed = null;
  const close = () =>
    (closed ??= (async () => {
      // Server first, while the page is still connected: SIGTERM shuts the extension host down
      // gracefully (deactivate() runs), then the process group is killed. Then the browser.
      if (server) await server.stop();
      if (browser) await Promise.race([browser.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000).unref())]);
      if (ownRunDir && !keepRunDir) fs.rmSync(runDir, { recursive: true, force: true });
    })());
  // In parallel; allSettled so that if one fails, the other is still known and cleaned up.
  const [s, b] = await Promise.allSettled([startCodeServer({ runDir, env, trust }), launchBrowser()]);
  if (s.status === 'fulfilled') server = s.value;
  if (b.status === 'fulfilled') browser = b.value;
  if (s.status === 'rejected' || b.status === 'rejected') {
    await close();
    throw s.reason ?? b.reason;
  }
  try {
    const page = await browser.newPage({ viewport });
    const url = workbenchUrl({ port: server.port, folder, extensionDevelopmentPath });
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
    await page.waitForSelector(STATUSBAR, { state: 'visible', timeout: timeoutMs });
    return { page, browser, server, url, runDir, close };
  } catch (e) {
    await close();
    throw e;
  }
}

// CLI: open, wait for the status bar (and the extension's status item if --wait-text), screenshot.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const o = { env: {}, out: '/tmp/harness-proof.png' };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--extension') o.extensionDevelopmentPath = argv[++i];
    else if (a === '--folder') o.folder = argv[++i];
    else if (a === '--out') o.out = argv[++i];
    else if (a === '--wait-text') o.waitText = argv[++i];
    else if (a === '--trust') o.trust = true;
    else if (a === '--env') {
      const [k, ...v] = argv[++i].split('=');
      o.env[k] = v.join('=');
    } else {
      console.error(`unknown argument: ${a}`);
      process.exit(2);
    }
  }
  if (!o.extensionDevelopmentPath || !o.folder) {
    console.error('usage: node test/host/screenshot.mjs --extension <dir> --folder <dir> [--out file.png] [--wait-text "status text"] [--env K=V]...');
    process.exit(2);
  }
  const t0 = Date.now();
  let wb;
  try {
    wb = await openWorkbench(o);
    console.log(`[host] workbench up in ${Date.now() - t0} ms`);
    if (o.waitText) {
      await wb.page.locator(`${STATUSBAR} .statusbar-item`, { hasText: o.waitText }).first().waitFor({ timeout: 30_000 });
    }
    const items = await wb.page.locator(`${STATUSBAR} .statusbar-item`).allInnerTexts();
    console.log(`[host] status bar: ${JSON.stringify(items.map((s) => s.trim()).filter(Boolean))}`);
    await wb.page.screenshot({ path: o.out });
    console.log(`[host] screenshot: ${o.out} (${Date.now() - t0} ms)`);
  } catch (e) {
    console.error(`[host] ERROR: ${e.message}`);
    process.exitCode = 1;
  } finally {
    const t = Date.now();
    await wb?.close();
    if (wb) console.log(`[host] closed in ${Date.now() - t} ms`);
  }
}
