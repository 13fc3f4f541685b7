// A display language for the test VS Code Server (code-server 4.100.3), used by startCodeServer's
// `locale` option. `--locale zh-cn` alone leaves the workbench and the extension host in English:
// the server resolves a language only through `<user-data-dir>/languagepacks.json`, whose entry
// must name an existing `vscode` translation file (vs/base/node/nls.js resolveNLSConfiguration).
// That file is written by the language-pack service's post-install hook, which only the running
// server creates; `code-server --install-extension` runs VS Code's CLI, where that service is never
// instantiated, so it installs the pack but never writes the file. So: install the stand-in pack
// for real (.vsix, --install-extension), then write its entry as the service would have.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './install.mjs';
import { installExtensionFolder } from './extensionInstall.mjs';

/** The stand-in pack for `locale`: test/fixtures/langpack-<locale> (only zh-cn exists). */
function packDir(locale) {
  const dir = path.join(REPO_ROOT, 'test', 'fixtures', `langpack-${locale}`);
  if (!fs.existsSync(path.join(dir, 'package.json'))) {
    throw new Error(`startCodeServer: no language pack fixture for locale "${locale}" (looked for ${dir}); add one like test/fixtures/langpack-zh-cn`);
  }
  return dir;
}

/**
 * Installs the stand-in pack into the run's extensions dir (a .vsix, code-server's own
 * --install-extension) and records it in languagepacks.json.
 * @param {{ locale: string, entry: string, runDir: string, udd: string, exts: string, env: object }} o
 */
export function installLanguagePack({ locale, entry, runDir, udd, exts, env }) {
  const src = packDir(locale);
  const manifest = JSON.parse(fs.readFileSync(path.join(src, 'package.json'), 'utf8'));
  let installed;
  try {
    installed = installExtensionFolder({ dir: src, entry, runDir, udd, exts, env });
  } catch (e) {
    throw new Error(`startCodeServer: installing the ${locale} language pack: ${e.message}`);
  }

  // The entry VS Code's LanguagePacksCache (vs/platform/languagePacks/node/languagePacks.js) writes:
  // translations resolved against the installed folder, hash = md5 over (uuid || id) + version.
  const file = path.join(udd, 'languagepacks.json');
  const packs = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  for (const loc of manifest.contributes.localizations) {
    packs[loc.languageId] = {
      hash: createHash('md5')
        .update(installed.uuid ?? installed.id)
        .update(manifest.version)
        .digest('hex'),
      extensions: [{ extensionIdentifier: { id: installed.id }, version: manifest.version }],
      translations: Object.fromEntries(loc.translations.map((t) => [t.id, path.join(installed.location, t.path)])),
      label: loc.localizedLanguageName ?? loc.languageName,
    };
  }
  if (!packs[locale]?.translations.vscode)
    throw new Error(`startCodeServer: ${src} has no "vscode" translation for ${locale}; the server would stay in English`);
  fs.writeFileSync(file, JSON.stringify(packs));
}
