// The extension's own numbers, measured inside the real VS Code extension host (VS Code Server):
// save in the editor → new code served, activation time, save event → build start, and the
// extension host's CPU and memory while idle with hot reload on over a large generated workspace.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, freePort } from './lib.mjs';
import { runExtensionTests } from '../host/runTests.mjs';

/**
 * A Gin project plus `count` files, mostly in vendor/ and node_modules/, as real repos have.
 * The generated vendor/ has no modules.txt, so the build says -mod=mod.
 */
function bigWorkspace(dir, count, port) {
  fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'gin-api'), dir, { recursive: true });
  const buckets = [
    ['vendor/example.com/lib', 0.4, 'go'],
    ['web/node_modules/pkg', 0.4, 'js'],
    ['web/static', 0.2, 'html'],
  ];
  for (const [sub, share, ext] of buckets) {
    const n = Math.round(count * share);
    for (let i = 0; i < n; i++) {
      const d = path.join(dir, sub, `d${Math.floor(i / 200)}`);
      if (i % 200 === 0) fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(path.join(d, `f${i}.${ext}`), ext === 'go' ? `package lib\n\nconst F${i} = ${i}\n` : `// ${i}\n`);
    }
  }
  fs.mkdirSync(path.join(dir, '.vscode'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, '.vscode', 'settings.json'),
    JSON.stringify({ 'gopherReload.startOnOpen': true, 'gopherReload.env': { PORT: String(port) }, 'gopherReload.buildFlags': ['-mod=mod'] }),
  );
}

export async function extensionCosts({ n, idleMs, generatedFiles }) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gopher-reload-bench-ext-'));
  const ws = path.join(work, 'ws');
  const port = await freePort();
  const out = path.join(work, 'bench.json');
  bigWorkspace(ws, generatedFiles, port);
  try {
    const r = await runExtensionTests({
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: path.join(ROOT, 'out', 'test', 'integration', 'index.js'),
      workspace: ws,
      timeoutMs: 600_000,
      env: {
        GOPHER_RELOAD_SCENARIO: 'bench',
        GOPHER_RELOAD_PORT: String(port),
        GOPHER_RELOAD_BENCH_N: String(n),
        GOPHER_RELOAD_BENCH_IDLE_MS: String(idleMs),
        GOPHER_RELOAD_BENCH_OUT: out,
      },
    });
    if (!r.ok) console.log(`  the extension bench reported failures: ${JSON.stringify(r.failures)}`);
    const res = fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : undefined;
    if (res) res.workspaceFiles = generatedFiles;
    return res;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
