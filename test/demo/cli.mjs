#!/usr/bin/env node
// npm run demo:cli: builds the CLI and runs Gopher Reload on the bundled example Gin project.
// Edit test/fixtures/gin-api/handlers/message.go and save: the server reloads.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, isFree } from '../support/index.mjs';
import * as path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const project = path.join(root, 'test', 'fixtures', 'gin-api');

const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const port = process.env.PORT ?? ((await isFree(8080)) ? 8080 : await freePort());
console.log(`Gopher Reload demo: the example Gin app will answer on http://localhost:${port}`);
console.log(`Edit ${path.relative(process.cwd(), path.join(project, 'handlers', 'message.go'))} and save to see it reload. Ctrl-C stops everything.\n`);
const child = spawn(process.execPath, [path.join(root, 'dist', 'cli.js'), project, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, PORT: String(port) },
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
