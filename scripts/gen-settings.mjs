// Rewrites package.json's contributes.configuration.properties from src/core/config/schema.ts,
// the one declaration of every setting. test/unit/schema.test.ts fails until this has been run.
// The texts go into package.json as %keys% (VS Code's manifest localisation): the English into
// package.nls.json, written here; the Chinese lives by hand in package.nls.zh-cn.json, and this
// script fails, naming them, while a setting text has no Chinese or a Chinese entry has no setting.
import { build } from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = await build({ entryPoints: [path.join(root, 'src/core/config/schema.ts')], bundle: true, format: 'esm', platform: 'node', write: false });
const schema = await import('data:text/javascript;base64,' + Buffer.from(out.outputFiles[0].text).toString('base64'));
const file = path.join(root, 'package.json');
// --out <file>: write there (and package.nls.json next to it) instead (the schema test checks the script's own output).
const outAt = process.argv.indexOf('--out');
const target = outAt > 0 ? path.resolve(process.argv[outAt + 1]) : file;
const nlsTarget = path.join(path.dirname(target), 'package.nls.json');
const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
const nls = JSON.parse(fs.readFileSync(path.join(root, 'package.nls.json'), 'utf8'));
// --zh <file>: check the Chinese texts of that file instead (the schema test shows the failure on a damaged copy).
const zhAt = process.argv.indexOf('--zh');
const zhFile = zhAt > 0 ? path.resolve(process.argv[zhAt + 1]) : path.join(root, 'package.nls.zh-cn.json');
const zh = JSON.parse(fs.readFileSync(zhFile, 'utf8'));
// The English each Chinese setting text was translated from: when the English changes, the Chinese
// is stale until someone updates it and records that with --translated. --from <file>: another record (tests).
const fromAt = process.argv.indexOf('--from');
const fromFile = fromAt > 0 ? path.resolve(process.argv[fromAt + 1]) : path.join(root, 'scripts', 'settings.zh-cn.from.json');
const translated = process.argv.includes('--translated');

/** Keys that start with a setting's full name belong to this script; every other key is kept as it is. */
const SETTING_KEY = /^gopherReload\./;
const english = {};
const key = (k, text) => {
  english[k] = text;
  return `%${k}%`;
};
const props = schema.packageJsonProperties();
for (const [name, p] of Object.entries(props)) {
  p.markdownDescription = key(`${name}.markdownDescription`, p.markdownDescription);
  if (p.enumDescriptions) p.enumDescriptions = p.enumDescriptions.map((d, i) => key(`${name}.enumDescriptions.${p.enum[i]}`, d));
  for (const [field, sub] of Object.entries(p.items?.properties ?? {}))
    if (sub.description) sub.description = key(`${name}.items.${field}.description`, sub.description);
}
pkg.contributes.configuration.properties = props;
const kept = Object.fromEntries(Object.entries(nls).filter(([k]) => !SETTING_KEY.test(k)));

fs.writeFileSync(target, JSON.stringify(pkg, null, 2) + '\n');
fs.writeFileSync(nlsTarget, JSON.stringify({ ...kept, ...english }, null, 2) + '\n');
console.log(
  `${path.relative(root, target)}: ${Object.keys(props).length} settings written from src/core/config/schema.ts (texts in ${path.relative(root, nlsTarget)})`,
);

const missing = Object.keys(english).filter((k) => typeof zh[k] !== 'string' || zh[k].trim() === '');
const orphans = Object.keys(zh).filter((k) => SETTING_KEY.test(k) && !(k in english));
if (translated) {
  // Only texts that have Chinese are recorded: a missing one stays missing.
  const record = Object.fromEntries(
    Object.keys(english)
      .filter((k) => !missing.includes(k))
      .map((k) => [k, english[k]]),
  );
  fs.writeFileSync(fromFile, JSON.stringify(record, null, 2) + '\n');
  console.log(`${path.relative(root, fromFile)}: the Chinese of ${Object.keys(record).length} setting texts recorded as translated from today's English`);
}
const from = fs.existsSync(fromFile) ? JSON.parse(fs.readFileSync(fromFile, 'utf8')) : {};
const changed = Object.keys(english).filter((k) => !missing.includes(k) && from[k] !== english[k]);
if (missing.length || orphans.length || changed.length) {
  const list = (title, keys, show) => (keys.length ? [`${title}:`, ...keys.map((k) => `  ${k}${show(k)}`)] : []);
  console.error(
    [
      `${path.relative(root, zhFile)} does not match the settings in src/core/config/schema.ts (package.json and package.nls.json were written).`,
      ...list('Add a Chinese text for', missing, (k) => `  (English: ${english[k]})`),
      ...list('Remove (no such setting text any more)', orphans, () => ''),
      ...list(
        'Update the Chinese: the English changed since it was translated',
        changed,
        (k) => `\n    was: ${from[k] ?? '(not recorded)'}\n    now: ${english[k]}`,
      ),
      'Edit package.nls.zh-cn.json by hand, then run npm run gen:settings -- --translated (it records the English the Chinese now follows).',
    ].join('\n'),
  );
  process.exit(1);
}
