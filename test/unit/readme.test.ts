import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { helpLines } from '../../src/cli/options';
import { repoRoot } from '../support/helpers';
import { englishManifest } from '../support/manifest';

/**
 * The README's settings and commands tables are generated from package.json, its CLI table from
 * the CLI's option list (itself generated from the settings schema), and this test fails when
 * they drift apart. `UPDATE_README=1 npm run test:unit` rewrites them.
 */
// Texts are %keys% in package.json; the README shows the English of package.nls.json.
const pkg = englishManifest();

function settingsTable(): string {
  const rows = Object.entries(
    pkg.contributes.configuration.properties as Record<string, { markdownDescription: string; default: unknown; enum?: string[] }>,
  ).map(([key, p]) => `| \`${key}\` | ${p.markdownDescription.replace(/\|/g, '\\|').replace(/`#([\w.]+)#`/g, '`$1`')} | \`${JSON.stringify(p.default)}\` |`);
  return ['| setting | what it does | default |', '|---|---|---|', ...rows].join('\n');
}

function commandsTable(): string {
  const rows = (pkg.contributes.commands as { command: string; title: string; category: string }[]).map(
    (c) => `| ${c.category}: ${c.title} | \`${c.command}\` |`,
  );
  return ['| command | id |', '|---|---|', ...rows].join('\n');
}

/** Globs in code spans (`**` would turn bold), `<` escaped (`<output-dir>` would read as HTML). */
function cliTable(): string {
  const rows = helpLines().map(
    ({ flag, help }) =>
      `| \`${flag}\` | ${help
        .replace(/\|/g, '\\|')
        .replace(/</g, '&lt;')
        .replace(/([^\s()]*\*[^\s()]*)/g, '`$1`')} |`,
  );
  return ['| option | what it does |', '|---|---|', ...rows].join('\n');
}

function section(readme: string, name: string): string | undefined {
  const m = new RegExp(`<!-- ${name}:start -->\\n([\\s\\S]*?)\\n<!-- ${name}:end -->`).exec(readme);
  return m?.[1];
}

describe('README stays true to package.json', () => {
  const file = path.join(repoRoot(), 'README.md');
  for (const [name, make] of [
    ['settings', settingsTable],
    ['commands', commandsTable],
    ['cli', cliTable],
  ] as const) {
    it(`the ${name} table matches the manifest`, () => {
      let readme = fs.readFileSync(file, 'utf8');
      const want = make();
      if (process.env.UPDATE_README === '1') {
        readme = readme.replace(new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(\\n<!-- ${name}:end -->)`), `$1${want}$2`);
        fs.writeFileSync(file, readme);
      }
      assert.equal(section(readme, name), want);
    });
  }

  it('opens with the demo command and the test command that CI runs', () => {
    const readme = fs.readFileSync(file, 'utf8');
    const ci = fs.readFileSync(path.join(repoRoot(), '.ci', 'run'), 'utf8');
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1];
    assert.match(firstBlock, /npm ci && npm run demo/);
    const testCmd = /^(npm ci && npm test)\b/m.exec(firstBlock)![1];
    assert.ok(ci.split('\n').includes(testCmd), `.ci/run runs "${testCmd}"`);
  });
});
