import type { RawSettings } from '../core';
import { SETTINGS, t, type CliFlag, type SettingRow } from '../core';
import { UsageError } from './errors';

/**
 * The CLI's flags (node:util parseArgs shape): one per setting row of the schema, plus the few
 * that only steer the CLI itself (CLI_ONLY). words.ts names settings by these, so they stay in step.
 */
type Row = (typeof SETTINGS)[number];
type CliRow = Extract<Row, { cli: object }>;
type Repeatable = 'strings' | 'commands' | 'env';
type OptionFor<R extends CliRow> = (R['kind'] extends 'boolean' ? { type: 'boolean' } : { type: 'string' }) &
  (R['kind'] extends Repeatable ? { multiple: true } : unknown) &
  (R['cli'] extends { short: infer S extends string } ? { short: S } : unknown);
type SettingOptions = { [R in CliRow as R['cli']['flag']]: OptionFor<R> };

const rows: readonly SettingRow[] = SETTINGS;
const REPEATABLE: readonly string[] = ['strings', 'commands', 'env'] satisfies Repeatable[];

const settingOptions = Object.fromEntries(
  rows.flatMap((r) =>
    r.cli
      ? [
          [
            r.cli.flag,
            {
              type: r.kind === 'boolean' ? 'boolean' : 'string',
              ...(r.cli.short && { short: r.cli.short }),
              ...(REPEATABLE.includes(r.kind) && { multiple: true }),
            },
          ],
        ]
      : [],
  ),
) as SettingOptions;

/** Flags that are no setting: where to run, how to watch, how much to say. `after`: its place in --help. */
const CLI_ONLY = {
  folder: {
    type: 'string',
    after: 'package',
    arg: 'dir',
    help: "folder inside the module to build, run and watch in (like air's root; for a server that reads files relative to its own folder)",
  },
  'no-default-includes': { type: 'boolean', after: 'exclude', help: 'use only your --include globs' },
  'no-default-excludes': { type: 'boolean', after: 'no-default-includes', help: 'use only your --exclude globs' },
  poll: { type: 'string', after: 'quiet-ms', arg: 'ms', help: 'poll the file system (WSL2, Docker bind mounts)' },
  'no-air': { type: 'boolean', help: 'ignore .air.toml (used by default when present; flags win over it)' },
  verbose: { type: 'boolean', short: 'v', help: 'log every decision' },
  help: { type: 'boolean', short: 'h', help: 'this help' },
} as const;

type OnlyOptions = {
  [K in keyof typeof CLI_ONLY]: { type: (typeof CLI_ONLY)[K]['type'] } & ((typeof CLI_ONLY)[K] extends { short: infer S extends string }
    ? { short: S }
    : unknown);
};

const onlyOptions = Object.fromEntries(
  Object.entries(CLI_ONLY).map(([name, o]) => [name, { type: o.type, ...('short' in o && { short: o.short }) }]),
) as OnlyOptions;

export const CLI_OPTIONS: SettingOptions & OnlyOptions = { ...settingOptions, ...onlyOptions };

export type CliOption = keyof typeof CLI_OPTIONS;

/**
 * Options whose value may start with '-': a Go server's own flags (`-a -addr=:9999`) and go build
 * flags (`--build-flag -race`). parseArgs refuses `--arg -x` as ambiguous, so these are joined
 * into `--arg=-x` before parsing.
 */
export const DASH_VALUES: readonly CliOption[] = ['arg', 'build-flag'];

/** Each setting, named the way a CLI user can act on it: its flag, or a sentence when it has none. */
export const SETTING_WORDS: Record<string, `--${string}` | { sentence: string }> = Object.fromEntries(
  rows.map((r) => [r.key, r.cli ? (`--${r.cli.flag}` as const) : { sentence: r.vscodeOnly ?? r.key }]),
);

/** One line of --help or of the README's CLI table: the flag as typed, and what it does. */
export interface HelpLine {
  flag: string;
  help: string;
}

/** Every option in --help order: the settings in schema order, each CLI-only flag after its anchor. */
export function helpLines(): HelpLine[] {
  const line = (name: string, o: Pick<CliFlag, 'short' | 'arg' | 'help'>): HelpLine => ({
    flag: `${o.short ? `-${o.short}, ` : ''}--${name}${o.arg ? ` <${o.arg}>` : ''}`,
    help: o.help,
  });
  const out: HelpLine[] = [];
  const only = Object.entries(CLI_ONLY) as [string, (typeof CLI_ONLY)[keyof typeof CLI_ONLY]][];
  const place = (name: string) => {
    for (const [n, o] of only) if ('after' in o && o.after === name) (out.push(line(n, o)), place(n));
  };
  for (const r of rows) {
    if (!r.cli) continue;
    out.push(line(r.cli.flag, r.cli));
    if (r.cli.flag === 'build')
      out.push({
        flag: '-- <argv...>',
        help: 'build command as an argv, no shell; ${binary} is replaced.\nEverything after -- is the build command, never server arguments.',
      });
    place(r.cli.flag);
  }
  for (const [n, o] of only) if (!('after' in o)) out.push(line(n, o));
  return out;
}

/** --help: the options as two columns, long texts wrapped under the second. */
export function helpText(width = 100): string {
  const col = 27;
  const body = helpLines().map(({ flag, help }) => {
    const head = `  ${/^--\w/.test(flag) ? '    ' : ''}${flag}`;
    const lines: string[] = [];
    let cur = head.length < col - 1 ? head.padEnd(col) : `${head}  `;
    // A '\n' in a help text starts a line of its own (an example kept whole).
    help.split('\n').forEach((part, i) => {
      if (i > 0) {
        lines.push(cur.trimEnd());
        cur = ' '.repeat(col);
      }
      for (const w of part.split(' ')) {
        if (cur.length + w.length > width && cur.trim().length > head.trim().length) {
          lines.push(cur.trimEnd());
          cur = ' '.repeat(col);
        }
        cur += w + ' ';
      }
    });
    lines.push(cur.trimEnd());
    return lines.join('\n');
  });
  return `gopher-reload — rebuild and restart a Go server on every save

Usage: gopher-reload [dir] [options] [-- build command argv...]

  dir                      Go module to run (default: current directory)
${body.join('\n')}
`;
}

/** The values parseArgs gave, as raw settings: every flag a schema row names, checked for shape only. */
export function rawFromFlags(values: Record<string, unknown>, buildArgv: string[]): RawSettings {
  const raw: Record<string, unknown> = {};
  for (const r of rows) {
    if (!r.cli) continue;
    const v = values[r.cli.flag];
    if (r.key === 'buildCommand' && buildArgv.length) raw.buildCommand = buildArgv;
    if (v === undefined || r.key in raw) continue;
    if (r.kind === 'boolean') raw[r.key] = r.cli.negate ? false : true;
    else if (r.kind === 'number' || r.kind === 'port') raw[r.key] = intFlag(r.cli.flag, v as string);
    else if (r.kind === 'env') {
      const env: Record<string, string> = {};
      for (const kv of v as string[]) {
        const i = kv.indexOf('=');
        if (i <= 0) throw new UsageError(t('--{0} {1}: expected KEY=value', r.cli.flag, kv));
        env[kv.slice(0, i)] = kv.slice(i + 1);
      }
      if (Object.keys(env).length) raw[r.key] = env;
    } else raw[r.key] = v;
  }
  return raw as RawSettings;
}

/** A non-negative integer flag, or a UsageError naming the flag. */
export function intFlag(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v.trim())) throw new UsageError(t('--{0} {1}: expected a whole number', flag, JSON.stringify(v)));
  return Number(v);
}
