// A display language for the test VS Code Server (code-server 4.100.3), used by startCodeServer's
// `locale` option. `--locale zh-cn` alone leaves the workbench and the extension host in English:
// the server resolves a language only through `<user-data-dir>/languagepacks.json`, whose entry
// must name an existing `vscode` translation file (vs/base/node/nls.js resolveNLSConfiguration).
// That file is written by the language-pack service's post-install hook, which only the running
// server creates; `code-server --install-extension` runs VS Code's CLI, where that service is never
// instantiated, so it installs the pack but never writes the file. So: install the stand-in pack
// for real (.vsix, --install-extension), then write its entry as the service would have.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './install.mjs';

/** The stand-in pack for `locale`: test/fixtures/langpack-<locale> (only zh-cn exists). */
function packDir(locale) {
  const dir = path.join(REPO_ROOT, 'test', 'fixtures', `langpack-${locale}`);
  if (!fs.existsSync(path.join(dir, 'package.json'))) {
    throw new Error(`startCodeServer: no language pack fixture for locale "${locale}" (looked for ${dir}); add one like test/fixtures/langpack-zh-cn`);
  }
  return dir;
}

/**
 * Packages the stand-in pack (vsce, into runDir), installs it into the run's extensions dir with
 * code-server's own --install-extension, and records it in languagepacks.json.
 * @param {{ locale: string, entry: string, runDir: string, udd: string, exts: string, env: object }} o
 */
export function installLanguagePack({ locale, entry, runDir, udd, exts, env }) {
  const src = packDir(locale);
  const vsix = path.join(runDir, `langpack-${locale}.vsix`);
  const vsce = path.join(REPO_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  run(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', vsix], src, env, /Packaged/);
  run(process.execPath, [entry, '--user-data-dir', udd, '--extensions-dir', exts, '--install-extension', vsix], runDir, env, /successfully installed/);

  const manifest = JSON.parse(fs.readFileSync(path.join(src, 'package.json'), 'utf8'));
  const id = `${manifest.publisher}.${manifest.name}`;
  const installed = JSON.parse(fs.readFileSync(path.join(exts, 'extensions.json'), 'utf8')).find((e) => e.identifier.id.toLowerCase() === id.toLowerCase());
  if (!installed) throw new Error(`startCodeServer: ${id} is not in ${exts}/extensions.json after --install-extension`);
  const location = installed.location.fsPath ?? installed.location.path;

  // The entry VS Code's LanguagePacksCache (vs/platform/languagePacks/node/languagePacks.js) writes:
  // translations resolved against the installed folder, hash = md5 over (uuid || id) + version.
  const file = path.join(udd, 'languagepacks.json');
  const packs = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  for (const loc of manifest.contributes.localizations) {
    packs[loc.languageId] = {
      hash: createHash('md5')
        .update(installed.identifier.uuid ?? installed.identifier.id)
        .update(manifest.version)
        .digest('hex'),
      extensions: [{ extensionIdentifier: { id: installed.identifier.id }, version: manifest.version }],
      translations: Object.fromEntries(loc.translations.map((t) => [t.id, path.join(location, t.path)])),
      label: loc.localizedLanguageName ?? loc.languageName,
    };
  }
  if (!packs[locale]?.translations.vscode)
    throw new Error(`startCodeServer: ${src} has no "vscode" translation for ${locale}; the server would stay in English`);
  fs.writeFileSync(file, JSON.stringify(packs));
}

function run(cmd, args, cwd, env, expect) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 60_000 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0 || !expect.test(out))
    throw new Error(`startCodeServer: ${path.basename(args[0])} ${args[1]} failed (exit ${r.status ?? r.signal}):\n${out}`);
}
