// Installing an extension folder into a test VS Code Server's extensions dir, the way a user
// installs a .vsix: packaged with vsce (the project's devDependency), then code-server's own
// --install-extension. (A folder cannot be installed directly: the CLI reads it as a Marketplace
// id. And several development extensions cannot be loaded side by side through the URL payload:
// the web workbench reads it into a Map, so only the last extensionDevelopmentPath loads.)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './install.mjs';

/**
 * Packages `dir` into `<runDir>/<name>.vsix` and installs it into `exts` (user data `udd`).
 * @param {{ dir: string, entry: string, runDir: string, udd: string, exts: string, env?: object }} o
 * @returns {{ id: string, location: string }} the installed extension's id and folder
 */
export function installExtensionFolder({ dir, entry, runDir, udd, exts, env = process.env }) {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const id = `${manifest.publisher}.${manifest.name}`;
  const vsix = path.join(runDir, `${id}.vsix`);
  const vsce = path.join(REPO_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  fs.mkdirSync(udd, { recursive: true });
  run([vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', vsix], dir, env, /Packaged/);
  run([entry, '--user-data-dir', udd, '--extensions-dir', exts, '--install-extension', vsix], runDir, env, /successfully installed/);
  const installed = JSON.parse(fs.readFileSync(path.join(exts, 'extensions.json'), 'utf8')).find((e) => e.identifier.id.toLowerCase() === id.toLowerCase());
  if (!installed) throw new Error(`${id} is not in ${exts}/extensions.json after --install-extension`);
  return { id: installed.identifier.id, uuid: installed.identifier.uuid, location: installed.location.fsPath ?? installed.location.path };
}

function run(args, cwd, env, expect) {
  const r = spawnSync(process.execPath, args, { cwd, env, encoding: 'utf8', timeout: 60_000 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0 || !expect.test(out)) throw new Error(`${path.basename(args[0])} ${args[1]} failed (exit ${r.status ?? r.signal}):\n${out}`);
}
