// Rewrites package.json's contributes.configuration.properties from src/core/config/schema.ts,
// the one declaration of every setting. test/unit/schema.test.ts fails until this has been run.
import { build } from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = await build({ entryPoints: [path.join(root, 'src/core/config/schema.ts')], bundle: true, format: 'esm', platform: 'node', write: false });
const schema = await import('data:text/javascript;base64,' + Buffer.from(out.outputFiles[0].text).toString('base64'));
const file = path.join(root, 'package.json');
// --out <file>: write there instead (the schema test checks the script's own output).
const outAt = process.argv.indexOf('--out');
const target = outAt > 0 ? path.resolve(process.argv[outAt + 1]) : file;
const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
pkg.contributes.configuration.properties = schema.packageJsonProperties();
fs.writeFileSync(target, JSON.stringify(pkg, null, 2) + '\n');
console.log(`${path.relative(root, target)}: ${Object.keys(pkg.contributes.configuration.properties).length} settings written from src/core/config/schema.ts`);
