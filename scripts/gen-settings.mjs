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
const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
pkg.contributes.configuration.properties = schema.packageJsonProperties();
fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
console.log(`package.json: ${Object.keys(pkg.contributes.configuration.properties).length} settings written from src/core/config/schema.ts`);
