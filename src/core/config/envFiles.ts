import { t } from '../util/l10n';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { parse } from 'dotenv';

export interface EnvResult {
  env: Record<string, string>;
  warnings: string[];
}

/**
 * Reads `.env`-style files with dotenv's parser (quotes, comments, multi-line values) and merges
 * them in order; later files win, and explicit `env` settings win over all files.
 */
export function loadEnvFiles(root: string, files: string[], reportMissing: boolean): EnvResult {
  const env: Record<string, string> = {};
  const warnings: string[] = [];
  for (const f of files) {
    const abs = path.resolve(root, f);
    let text: string;
    try {
      text = readFileSync(abs, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' || reportMissing) {
        warnings.push(
          t(
            'env file {0} could not be read ({1}); its variables are not set. Create it or remove it from gopherReload.envFiles.',
            abs,
            code ?? (e as Error).message,
          ),
        );
      }
      continue;
    }
    const parsed = parse(text);
    const bad = malformedLines(text);
    if (bad.length) {
      warnings.push(t('env file {0}: line(s) {1} are not KEY=value and were skipped.', abs, bad.join(', ')));
    }
    Object.assign(env, parsed);
  }
  return { env, warnings };
}

/** dotenv silently skips lines it cannot parse; we name them so a typo does not go unnoticed. */
function malformedLines(text: string): number[] {
  const bad: number[] = [];
  let inQuote: string | undefined;
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (inQuote) {
      if (t.endsWith(inQuote)) inQuote = undefined;
      return;
    }
    if (!t || t.startsWith('#')) return;
    const m = /^(?:export\s+)?[\w.-]+\s*[=:]\s*(["'`]?)/.exec(t);
    if (!m) {
      bad.push(i + 1);
      return;
    }
    const q = m[1];
    if (q && !t.slice(m[0].length).includes(q)) inQuote = q;
  });
  return bad;
}
