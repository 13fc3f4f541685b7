import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleTranslator, format, localeFromEnv, setTranslator, t } from '../../src/core/util/l10n';
import { statusView } from '../../src/extension/statusView';
import { freePort } from '../../src/core/run/ports';
import { CLI_JS, runCli } from '../support/cliRun';
import { copyFixture, TEST_TMP, waitUntil } from '../support/helpers';

const root = join(__dirname, '..', '..', '..');
const bundlePath = join(root, 'l10n', 'bundle.l10n.zh-cn.json');
const bundle = (): Record<string, string> => JSON.parse(readFileSync(bundlePath, 'utf8'));

function sources(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** A JS string literal's body (single or double quotes) as the string it denotes. */
function unquote(body: string): string {
  return body.replace(/\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)/g, (_, e: string) => {
    if (e[0] === 'u') return String.fromCodePoint(parseInt(e.replace(/[u{}]/g, ''), 16));
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ n: '\n', t: '\t', r: '\r', '0': '\0' } as Record<string, string>)[e] ?? e;
  });
}

/**
 * Every key passed to `t(` or `vscode.l10n.t(` in src/**: the first argument must be one plain
 * string literal (a template literal or a concatenation is a key no bundle can hold).
 */
function extractKeys(files: string[]): { keys: Map<string, string>; bad: string[] } {
  const keys = new Map<string, string>();
  const bad: string[] = [];
  // Not `\t(` in a regular expression, not `set(` or `.at(`: a `t` that starts a name.
  const call = /(?<![\w$\\])t\(\s*/g;
  for (const f of files) {
    const s = readFileSync(f, 'utf8');
    for (const m of s.matchAll(call)) {
      const at = m.index + m[0].length;
      const where = `${f.slice(root.length + 1)}:${s.slice(0, at).split('\n').length}`;
      const lit = /^(['"])((?:\\.|(?!\1)[^\\\n])*)\1\s*([,)])/.exec(s.slice(at));
      // `t(` in a declaration (`function t(message…`) or a comment is not a call with a key.
      if (/function\s+t\($/.test(s.slice(0, at).trimEnd()) || /^message\b/.test(s.slice(at))) continue;
      if (!lit) {
        bad.push(`${where}: ${s.slice(at, at + 60).split('\n')[0]}`);
        continue;
      }
      keys.set(unquote(lit[2]), where);
    }
  }
  return { keys, bad };
}

function compare(keys: Map<string, string>, b: Record<string, string>) {
  const missing = [...keys].filter(([k]) => !Object.prototype.hasOwnProperty.call(b, k)).map(([k, w]) => `${w}: ${JSON.stringify(k)}`);
  const stale = Object.keys(b).filter((k) => !keys.has(k));
  return { missing, stale };
}

const placeholders = (s: string) => [...s.matchAll(/\{(\d+)\}/g)].map((m) => m[1]).sort();

describe('l10n: English and Simplified Chinese', () => {
  afterEach(() => setTranslator(undefined));

  it('every t() key in src/** is in bundle.l10n.zh-cn.json, keys are plain literals, and the bundle has no stale keys', () => {
    const { keys, bad } = extractKeys(sources(join(root, 'src')));
    assert.deepEqual(bad, [], 'keys must be plain string literals (no template literals, no concatenation)');
    assert.ok(keys.size > 50, `found only ${keys.size} keys: is the scan broken?`);
    const { missing, stale } = compare(keys, bundle());
    assert.deepEqual(missing, [], 'messages without a Chinese translation');
    assert.deepEqual(stale, [], 'bundle entries no source uses');
  });

  it('the comparison names a deleted bundle entry and an entry no source uses', () => {
    const { keys } = extractKeys(sources(join(root, 'src')));
    const b = bundle();
    delete b['Build failed ({0})'];
    b['Gone from the sources'] = '已删除';
    const { missing, stale } = compare(keys, b);
    assert.equal(missing.length, 1);
    assert.match(missing[0], /^src\/extension\/statusView\.ts:\d+: "Build failed \(\{0\}\)"$/);
    assert.deepEqual(stale, ['Gone from the sources']);
  });

  it('the scan reports a template literal or a concatenated key', () => {
    const { bad } = extractKeys([join(root, 'test', 'unit', 'testdata', 'l10n', 'bad-keys.txt')]);
    assert.equal(bad.length, 2, bad.join('\n'));
  });

  it('placeholders match between English and Chinese, and every value is Chinese', () => {
    const onlyCode = /^[\s\d{}:`.,()·→+-]*$/;
    for (const [en, zh] of Object.entries(bundle())) {
      assert.equal(typeof zh, 'string', en);
      assert.deepEqual(placeholders(zh), placeholders(en), `placeholders of ${JSON.stringify(en)}`);
      // VS Code's format2 reads any `{…}` as a placeholder: literal braces go in as arguments.
      for (const text of [en, zh]) assert.doesNotMatch(text.replace(/\{\d+\}/g, ''), /[{}]/, `a brace that is no placeholder: ${JSON.stringify(text)}`);
      if (!onlyCode.test(en)) assert.match(zh, /[\u3400-\u9fff]/, `not translated: ${JSON.stringify(en)} → ${JSON.stringify(zh)}`);
      // Names and commands stay as written: a backticked name in English is in the Chinese too.
      for (const m of en.matchAll(/`([^`{}]+)`/g)) assert.ok(zh.includes(m[1]), `${JSON.stringify(en)}: keep \`${m[1]}\``);
    }
  });

  it('format fills {n}; a missing argument leaves the placeholder; English is the default', () => {
    assert.equal(format('{0} of {1}, {0}', [3, 'x']), '3 of x, 3');
    assert.equal(format('a {2}', [1]), 'a {2}');
    assert.equal(t('Build failed ({0})', 2), 'Build failed (2)');
  });

  it('a bundle translates; a message it lacks (or a broken entry) stays English', () => {
    setTranslator(bundleTranslator({ 'Build failed ({0})': '构建失败 ({0})', Stop: 42 }));
    assert.equal(t('Build failed ({0})', 2), '构建失败 (2)');
    assert.equal(t('Stop'), 'Stop');
    assert.equal(t('toString'), 'toString');
  });

  it('the status bar and the build-failed tooltip read Chinese with the zh-cn bundle', () => {
    setTranslator(bundleTranslator(bundle()));
    const v = statusView({
      id: '/w/api',
      name: 'api',
      trusted: true,
      hotReload: true,
      configIssues: [],
      state: {
        kind: 'build-failed',
        serving: true,
        output: '',
        buildMs: 900,
        problems: [{ file: '/w/api/main.go', line: 3, column: 1, message: 'undefined: x', severity: 'error' }],
      },
    });
    assert.equal(v.text, '$(error) 构建失败 (1)');
    assert.match(v.tooltip, /构建失败，有 1 个问题（请查看问题面板）。 ?之前的服务器继续提供服务。/);
    assert.match(v.tooltip, /\[\$\(terminal\) 输出\]\(command:gopherReload\.showTerminal/);
    assert.match(v.tooltip, /`main\.go:3` undefined: x/);
    const building = statusView({
      id: '/w/api',
      name: 'api',
      trusted: true,
      hotReload: true,
      configIssues: [],
      state: { kind: 'building', trigger: 'go.mod', serving: false },
      progress: { done: 37, total: 180, elapsedMs: 125_000, phase: 'compiling', downloaded: 0 },
    });
    assert.equal(building.text, '$(loading~spin) Gopher Reload: 构建中 37/180 · 2 分 05 秒');
  });

  it('localeFromEnv: LC_ALL, then LC_MESSAGES, then LANG; Simplified Chinese only', () => {
    const cases: [Record<string, string | undefined>, 'zh-cn' | undefined][] = [
      [{ LANG: 'zh_CN.UTF-8' }, 'zh-cn'],
      [{ LANG: 'zh_CN' }, 'zh-cn'],
      [{ LANG: 'zh-CN' }, 'zh-cn'],
      [{ LANG: 'zh_SG.UTF-8' }, 'zh-cn'],
      [{ LANG: 'zh' }, 'zh-cn'],
      [{ LANG: 'zh_CN.GB18030' }, 'zh-cn'],
      [{ LANG: 'zh-Hans-CN' }, 'zh-cn'],
      [{ LANG: 'zh_TW.UTF-8' }, undefined],
      [{ LANG: 'zh_HK.UTF-8' }, undefined],
      [{ LANG: 'zh-Hant' }, undefined],
      [{ LANG: 'en_US.UTF-8' }, undefined],
      [{ LANG: 'C' }, undefined],
      [{ LANG: 'C.UTF-8' }, undefined],
      [{ LANG: 'POSIX' }, undefined],
      [{ LANG: '' }, undefined],
      [{}, undefined],
      [{ LC_ALL: 'C', LANG: 'zh_CN.UTF-8' }, undefined],
      [{ LC_ALL: '', LANG: 'zh_CN.UTF-8' }, 'zh-cn'],
      [{ LC_MESSAGES: 'en_US.UTF-8', LANG: 'zh_CN.UTF-8' }, undefined],
      [{ LC_MESSAGES: 'zh_CN.UTF-8', LANG: 'en_US.UTF-8' }, 'zh-cn'],
      [{ LC_ALL: 'zh_CN.UTF-8', LC_MESSAGES: 'C', LANG: 'C' }, 'zh-cn'],
    ];
    for (const [env, want] of cases) assert.equal(localeFromEnv(env), want, JSON.stringify(env));
  });
});

describe('l10n: the CLI follows LC_ALL / LC_MESSAGES / LANG', function () {
  // Unset what the test runner's own locale may say, so each case says exactly what it means.
  const zh = { LC_ALL: '', LC_MESSAGES: '', LANG: 'zh_CN.UTF-8' };
  const cWins = { LC_ALL: 'C', LC_MESSAGES: '', LANG: 'zh_CN.UTF-8' };

  /** `--poll fast`: a usage error, worded by the CLI itself (not by Node's parseArgs), exit 2. */
  async function usage(env: NodeJS.ProcessEnv, cli = CLI_JS) {
    const run = spawnSync(process.execPath, [cli, '--poll', 'fast'], { env: { ...process.env, NO_COLOR: '1', ...env }, encoding: 'utf8' });
    assert.equal(run.status, 2, run.stdout + run.stderr);
    return (run.stdout + run.stderr).trimEnd().split('\n');
  }

  it('a usage error reads Chinese under LANG=zh_CN.UTF-8, English when LC_ALL=C overrides it', async () => {
    assert.deepEqual(await usage(zh), ['✗ --poll "fast"：应为非负整数', '  运行 gopher-reload --help 查看用法']);
    assert.deepEqual(await usage(cWins), ['✗ --poll "fast": expected a whole number', '  run gopher-reload --help']);
    assert.deepEqual(await usage({ LC_ALL: '', LC_MESSAGES: '', LANG: 'zh_TW.UTF-8' }), [
      '✗ --poll "fast": expected a whole number',
      '  run gopher-reload --help',
    ]);
  });

  it('a missing or broken bundle leaves the CLI in English, never a crash', async () => {
    for (const bundleText of [undefined, '{ not json', '["an array"]']) {
      // A package laid out as published: dist/cli.js with l10n/ beside dist/.
      const pkg = mkdtempSync(join(TEST_TMP, 'l10n-pkg-'));
      mkdirSync(join(pkg, 'dist'));
      copyFileSync(CLI_JS, join(pkg, 'dist', 'cli.js'));
      if (bundleText !== undefined) {
        mkdirSync(join(pkg, 'l10n'));
        writeFileSync(join(pkg, 'l10n', 'bundle.l10n.zh-cn.json'), bundleText);
      }
      assert.deepEqual(
        await usage(zh, join(pkg, 'dist', 'cli.js')),
        ['✗ --poll "fast": expected a whole number', '  run gopher-reload --help'],
        String(bundleText),
      );
      // The same layout with the real bundle speaks Chinese: the layout, not luck, made it English.
      if (bundleText === undefined) {
        mkdirSync(join(pkg, 'l10n'));
        copyFileSync(bundlePath, join(pkg, 'l10n', 'bundle.l10n.zh-cn.json'));
        assert.equal((await usage(zh, join(pkg, 'dist', 'cli.js')))[0], '✗ --poll "fast"：应为非负整数');
      }
    }
  });

  it('a failed build of a real module reads Chinese, and English under LC_ALL=C', async () => {
    for (const [env, want, watching] of [
      [zh, /✗ 构建失败：\d+ 个问题\n\s+\S*\.go:\d+/, /gopher-reload：正在监视 /],
      [cWins, /✗ build failed: \d+ problems?\n\s+\S*\.go:\d+/, /gopher-reload: watching /],
    ] as const) {
      const dir = copyFixture('broken');
      const port = await freePort();
      const cli = runCli([dir, '--port', String(port)], env);
      try {
        await waitUntil('the build failed', () => want.test(cli.out()) && cli.out(), 120_000);
        assert.match(cli.out(), watching);
      } finally {
        await cli.stop();
      }
    }
  });
});
