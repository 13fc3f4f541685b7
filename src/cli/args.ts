import { parseArgs } from 'node:util';
import { CLI_OPTIONS, DASH_VALUES, type CliOption } from './options';

import { UsageError } from './errors';
import { t } from '../core';

export { UsageError };
export { intFlag } from './options';

export interface ParsedArgs {
  values: ReturnType<typeof parse>['values'];
  /** The module folder as given ('.' by default). */
  dir: string;
  /** The argv after `--`: the build command, run without a shell. */
  buildArgv: string[];
}

const parse = (args: string[]) => parseArgs({ args, allowPositionals: true, strict: true, options: CLI_OPTIONS });

/**
 * Parses the CLI's argv (without node and the script). `--arg -addr=:9999` and `-a -x` pass
 * `-addr=:9999` and `-x` to the server: Go servers take flags, so a value that starts with '-' is
 * the common case, not a mistake. Everything after `--` is the build command's argv.
 */
export function parseCli(argv: string[]): ParsedArgs {
  const dd = argv.indexOf('--');
  const own = dd >= 0 ? argv.slice(0, dd) : argv;
  const buildArgv = dd >= 0 ? argv.slice(dd + 1) : [];
  let parsed: ReturnType<typeof parse>;
  const args = joinDashValues(own);
  try {
    parsed = parse(args);
  } catch (e) {
    // parseArgs messages are one sentence plus advice meant for the programmer; keep the sentence.
    throw new UsageError((e as Error).message.split('\n')[0].replace(/\. To specify a positional argument.*$/, '.'));
  }
  if (parsed.positionals.length > 1)
    throw new UsageError(
      t(
        'one module folder expected, got {0} (server arguments go in --arg, one each; a build command after --)',
        parsed.positionals.map((p) => JSON.stringify(p)).join(' '),
      ),
    );
  if (dd >= 0 && buildArgv.length === 0) throw new UsageError(t('nothing after "--": give the build command\'s argv there, or leave out "--"'));
  return { values: parsed.values, dir: parsed.positionals[0] ?? '.', buildArgv };
}

function joinDashValues(args: string[]): string[] {
  const shorts = new Map<string, CliOption>();
  for (const [name, o] of Object.entries(CLI_OPTIONS)) if ('short' in o) shorts.set(`-${o.short}`, name as CliOption);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const glued = /^-[^-]/.test(a) && a.length > 2 ? shorts.get(a.slice(0, 2)) : undefined;
    // `-addr=:9999` would parse as -a "ddr=:9999": a server flag given without -a in front.
    if (glued && DASH_VALUES.includes(glued))
      throw new UsageError(t('"{0}" reads as {1} "{2}"; to pass a flag to the server write -a {0} (or --{3}={0})', a, a.slice(0, 2), a.slice(2), glued));
    const name = a.startsWith('--') ? (a.slice(2) as CliOption) : shorts.get(a);
    if (name && DASH_VALUES.includes(name) && i + 1 < args.length) out.push(`--${name}=${args[++i]}`);
    else out.push(a);
  }
  return out;
}

/**
 * `--include`/`--exclude` add to the defaults (or to .air.toml's lists), so `--exclude '**\/gen/**'`
 * never silently stops excluding vendor/; `--no-default-…` replaces them. undefined: nothing given.
 */
export function mergeGlobs(mine: string[] | undefined, replace: boolean | undefined, fromAir: unknown, defaults: readonly string[]): string[] | undefined {
  if (mine === undefined && !replace) return undefined;
  const base = replace ? [] : Array.isArray(fromAir) ? (fromAir as string[]) : defaults;
  return [...base, ...(mine ?? [])];
}
