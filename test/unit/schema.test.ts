import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ENGINE_KEYS, packageJsonProperties, RESTART_KEYS, SETTINGS, type SettingRow } from '../../src/core/config/schema';
import { resolveConfig } from '../../src/core/config/config';
import { CLI_OPTIONS, helpText, rawFromFlags } from '../../src/cli/options';
import { parseCli } from '../../src/cli/args';
import { settingWords } from '../../src/cli/words';
import { repoRoot } from '../support/helpers';
import { englishManifest, localise } from '../support/manifest';

/**
 * src/core/config/schema.ts declares every setting once; everything else derives from it. These
 * tests fail when a derived copy that is written down (package.json) drifts, and when a row is
 * not honoured by the code that reads it (resolveConfig, the CLI).
 */
const rows: readonly SettingRow[] = SETTINGS;
const engineRows = rows.filter((r) => r.engine !== false);

describe('settings schema', () => {
  it("package.json's contributes.configuration is the schema's (npm run gen:settings rewrites it)", () => {
    // The texts are %keys% in package.json, English in package.nls.json: compared as VS Code reads them.
    const pkg = englishManifest();
    const have = pkg.contributes.configuration.properties as Record<string, unknown>;
    const want = packageJsonProperties();
    const fix = 'package.json is generated from src/core/config/schema.ts: run `node scripts/gen-settings.mjs` (npm run gen:settings)';
    assert.deepEqual(Object.keys(have), Object.keys(want), `${fix}; the keys differ`);
    for (const key of Object.keys(want)) assert.deepEqual(have[key], want[key], `${fix}; ${key} differs`);
  });

  it('scripts/gen-settings.mjs writes exactly the committed package.json, and nothing outside contributes.configuration changes', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gr-gen-'));
    try {
      const out = path.join(dir, 'package.json');
      execFileSync(process.execPath, [path.join(repoRoot(), 'scripts', 'gen-settings.mjs'), '--out', out]);
      const pkgText = fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8');
      assert.equal(fs.readFileSync(out, 'utf8'), pkgText, 'the script is idempotent on the committed package.json');
      const nlsText = fs.readFileSync(path.join(repoRoot(), 'package.nls.json'), 'utf8');
      assert.equal(fs.readFileSync(path.join(dir, 'package.nls.json'), 'utf8'), nlsText, 'and on the committed package.nls.json');
      const gen = JSON.parse(fs.readFileSync(out, 'utf8'));
      assert.deepEqual(localise(gen.contributes.configuration.properties, JSON.parse(nlsText)), packageJsonProperties());
      // Everything outside contributes.configuration is kept as it was.
      const strip = (p: { contributes: { configuration: unknown } }) => ({ ...p, contributes: { ...p.contributes, configuration: null } });
      assert.deepEqual(strip(gen), strip(JSON.parse(pkgText)));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('scripts/gen-settings.mjs fails, naming each key, when a setting text has no Chinese, a Chinese entry has no setting, or the English changed since it was translated', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gr-gen-zh-'));
    try {
      const zh = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.nls.zh-cn.json'), 'utf8'));
      delete zh['gopherReload.port.markdownDescription'];
      zh['gopherReload.gone.markdownDescription'] = '已删除的设置';
      const zhFile = path.join(dir, 'zh.json');
      fs.writeFileSync(zhFile, JSON.stringify(zh));
      // The record of what the Chinese was translated from, as if debugPort's English had changed since.
      const from = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'scripts', 'settings.zh-cn.from.json'), 'utf8'));
      from['gopherReload.debugPort.markdownDescription'] = 'The port Delve listens on.';
      const fromFile = path.join(dir, 'from.json');
      fs.writeFileSync(fromFile, JSON.stringify(from));
      const script = path.join(repoRoot(), 'scripts', 'gen-settings.mjs');
      const r = spawnSync(process.execPath, [script, '--out', path.join(dir, 'package.json'), '--zh', zhFile, '--from', fromFile], { encoding: 'utf8' });
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /Add a Chinese text for:\n {2}gopherReload\.port\.markdownDescription {2}\(English: The port the server listens on/);
      assert.match(r.stderr, /Remove \(no such setting text any more\):\n {2}gopherReload\.gone\.markdownDescription\n/);
      assert.match(
        r.stderr,
        /the English changed since it was translated:\n {2}gopherReload\.debugPort\.markdownDescription\n {4}was: The port Delve listens on\.\n {4}now: The port Delve listens on \(loopback only\)/,
      );
      assert.doesNotMatch(r.stderr, /changed since[^]*gopherReload\.port\.markdownDescription/, 'a missing text is not also called changed');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every engine setting is read by resolveConfig: a value of the wrong type is named and falls back', () => {
    const wrong: Record<string, unknown> = { string: 5, number: 'x', boolean: 'yes', strings: 5, command: 5, commands: 5, env: 5, port: 'x', signal: 'SIGFOO' };
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gr-schema-'));
    try {
      for (const r of engineRows) {
        const { issues } = resolveConfig(root, { [r.key]: wrong[r.kind] });
        assert.ok(
          issues.some((i) => i.setting === r.key),
          `${r.key} (${r.kind}) = ${JSON.stringify(wrong[r.kind])}: resolveConfig should name it, got ${JSON.stringify(issues)}`,
        );
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("resolveConfig's defaults and bounds are the rows' (a number one past max is refused, max itself kept)", () => {
    const root = path.join(repoRoot(), 'test', 'fixtures', 'nethttp');
    const c = resolveConfig(root, {}).config as unknown as Record<string, unknown>;
    for (const r of engineRows) {
      // exclude also gets the output folder appended (tested in config.test.ts).
      if ((r.kind === 'number' || r.kind === 'boolean' || r.kind === 'strings' || r.kind === 'signal') && r.key !== 'exclude')
        assert.deepEqual(c[r.key], r.default, `${r.key} default`);
      if (r.kind !== 'number') continue;
      assert.ok(r.min !== undefined && r.max !== undefined, `${r.key} has bounds`);
      assert.deepEqual(resolveConfig(root, { [r.key]: r.max }).issues, [], `${r.key} = max`);
      assert.deepEqual(resolveConfig(root, { [r.key]: r.min }).issues, [], `${r.key} = min`);
      assert.equal(resolveConfig(root, { [r.key]: r.max! + 1 }).issues[0]?.setting, r.key, `${r.key} = max + 1`);
      if (r.min! > 0) assert.equal(resolveConfig(root, { [r.key]: r.min! - 1 }).issues[0]?.setting, r.key, `${r.key} = min - 1`);
    }
  });

  it('every setting has a CLI flag, or says why it only means something in VS Code', () => {
    for (const r of rows) {
      assert.ok(!!r.cli !== !!r.vscodeOnly, `${r.key}: exactly one of cli and vscodeOnly`);
      if (r.cli) assert.ok(r.cli.flag in CLI_OPTIONS, `--${r.cli.flag} is a CLI option`);
      assert.doesNotMatch(settingWords(r.key), /^[a-z]+[A-Z]/, `${r.key} has CLI words`);
    }
    const flags = rows.flatMap((r) => (r.cli ? [r.cli.flag] : []));
    assert.equal(new Set(flags).size, flags.length, 'no flag is used twice');
  });

  it('each flag reaches its setting through the real parser, typed as the engine reads it', () => {
    const sample: Record<string, string[]> = {
      string: ['tmp'],
      number: ['1234'],
      port: ['8123'],
      signal: ['SIGTERM'],
      strings: ['a', 'b'],
      commands: ['go generate ./...', 'true'],
      command: ['make'],
      env: ['A=1', 'B=x=y'],
    };
    // Strings the engine checks further get a value it accepts.
    const byKey: Record<string, string[]> = { healthUrl: ['http://localhost:1/health'], proxyPortEnv: ['APP_PORT'], readyPattern: ['^ready'] };
    for (const r of rows) {
      if (!r.cli) continue;
      sample.string = byKey[r.key] ?? ['tmp'];
      const argv = r.kind === 'boolean' ? [`--${r.cli.flag}`] : sample[r.kind].flatMap((v) => [`--${r.cli!.flag}`, v]);
      const raw = rawFromFlags(parseCli(argv).values, []) as Record<string, unknown>;
      assert.deepEqual(Object.keys(raw), [r.key], `${argv.join(' ')}`);
      const want =
        r.kind === 'boolean'
          ? !r.cli.negate
          : r.kind === 'number' || r.kind === 'port'
            ? Number(sample[r.kind][0])
            : r.kind === 'env'
              ? { A: '1', B: 'x=y' }
              : ['strings', 'commands'].includes(r.kind)
                ? sample[r.kind]
                : sample[r.kind][0];
      assert.deepEqual(raw[r.key], want, `${argv.join(' ')}`);
      assert.deepEqual(resolveConfig(path.join(repoRoot(), 'test', 'fixtures', 'nethttp'), raw).issues, [], `${argv.join(' ')} resolves cleanly`);
      // A negated boolean flag sets the opposite of its default, a plain one the opposite too: a flag that changes nothing is a defect.
      if (r.kind === 'boolean') assert.notEqual(raw[r.key], r.default, `--${r.cli.flag} changes ${r.key}`);
    }
    assert.deepEqual(rawFromFlags(parseCli(['--build', 'make', '--', 'go', 'build']).values, ['go', 'build']), { buildCommand: ['go', 'build'] });
  });

  it('--help lists every flag with its value name, wrapped under the text column', () => {
    const help = helpText();
    for (const r of rows)
      if (r.cli) assert.match(help, new RegExp(`--${r.cli.flag}${r.cli.arg ? ` <${r.cli.arg.replace(/[=]/g, '\\$&')}>` : '\\b'}`), `--${r.cli.flag}`);
    for (const line of help.split('\n')) assert.ok(line.length <= 100, `line too long: ${line}`);
  });

  it('VS Code restarts for exactly the rows marked restart; the engine reads exactly the engine rows', () => {
    assert.deepEqual(
      [...RESTART_KEYS].sort(),
      rows
        .filter((r) => r.restart === true)
        .map((r) => r.key)
        .sort(),
    );
    // The keys that applied at once before the schema (LIVE_KEYS) still do.
    for (const live of [
      'buildWhileTyping',
      'postStop',
      'include',
      'exclude',
      'quietWindowMs',
      'startOnOpen',
      'killDelayMs',
      'stopSignal',
      'startupTimeoutMs',
      'restartOnCrash',
      'stopOnBuildError',
    ]) {
      assert.ok(!RESTART_KEYS.includes(live as never), `${live} applies without a restart`);
    }
    assert.ok(RESTART_KEYS.includes('buildTask'), 'buildTask restarts');
    assert.ok(!RESTART_KEYS.includes('services'), 'services restart per service (controller)');
    assert.deepEqual([...ENGINE_KEYS].sort(), engineRows.map((r) => r.key).sort());
    for (const k of ['startOnOpen', 'buildTask', 'services']) assert.ok(!ENGINE_KEYS.includes(k as never), `${k} is the adapter's`);
  });
});
