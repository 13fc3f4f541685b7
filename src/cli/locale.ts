import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { bundleTranslator, localeFromEnv, setTranslator } from '../core';

/**
 * The CLI speaks the language LC_ALL / LC_MESSAGES / LANG ask for, from the same bundle the
 * extension ships (`<package>/l10n/`, next to `dist/` where esbuild puts cli.js). A bundle that
 * is missing or broken leaves the CLI in English: a translation must never stop a reload.
 */
export function useLocale(env: Record<string, string | undefined>, dir = path.join(__dirname, '..', 'l10n')): string | undefined {
  const locale = localeFromEnv(env);
  if (!locale) return undefined;
  try {
    const bundle: unknown = JSON.parse(readFileSync(path.join(dir, `bundle.l10n.${locale}.json`), 'utf8'));
    if (!bundle || typeof bundle !== 'object' || Array.isArray(bundle)) return undefined;
    setTranslator(bundleTranslator(bundle as Record<string, unknown>));
    return locale;
  } catch {
    return undefined;
  }
}
