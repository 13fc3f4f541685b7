/**
 * The one seam every user-facing string goes through. The English message is the key, as with
 * `vscode.l10n.t` (the extension installs that as the translator at activation, so VS Code picks
 * the bundle for its display language); the CLI installs a translator over the same bundle file,
 * chosen from LC_ALL / LC_MESSAGES / LANG. Until one is installed, messages are English.
 */
export type L10nArg = string | number | boolean;
export type Translator = (message: string, args: L10nArg[]) => string;

/** `{0}`, `{1}`… replaced by the arguments; a placeholder without an argument stays as written. */
export function format(message: string, args: readonly L10nArg[]): string {
  return message.replace(/\{(\d+)\}/g, (m, n: string) => (Number(n) < args.length ? String(args[Number(n)]) : m));
}

const english: Translator = (message, args) => format(message, args);
let current: Translator = english;

/** Translates `message` (the English text, which is also the key) and fills its placeholders. */
export function t(message: string, ...args: L10nArg[]): string {
  return current(message, args);
}

/** Installs the translator for the process (undefined: back to English). */
export function setTranslator(fn: Translator | undefined): void {
  current = fn ?? english;
}

/**
 * A translator over a bundle (`l10n/bundle.l10n.<locale>.json`: English → translation). A message
 * the bundle lacks, or an entry that is not a string, falls back to English rather than failing.
 */
export function bundleTranslator(bundle: Record<string, unknown>): Translator {
  return (message, args) => {
    const v = Object.prototype.hasOwnProperty.call(bundle, message) ? bundle[message] : undefined;
    return format(typeof v === 'string' ? v : message, args);
  };
}

/**
 * The locale of our bundle that the environment asks for, or undefined for English. POSIX order:
 * the first of LC_ALL, LC_MESSAGES, LANG that is set and non-empty decides, so `LC_ALL=C` wins over
 * `LANG=zh_CN.UTF-8`. We ship Simplified Chinese only: Traditional (zh_TW, zh_HK, zh_MO, zh-Hant)
 * reads English rather than a script its reader did not ask for.
 */
export function localeFromEnv(env: Record<string, string | undefined>): 'zh-cn' | undefined {
  const raw = [env.LC_ALL, env.LC_MESSAGES, env.LANG].find((v) => v !== undefined && v !== '');
  if (!raw) return undefined;
  // zh_CN.UTF-8@variant → zh-cn; a `C.UTF-8` or `POSIX` locale is English.
  const tag = raw.split(/[.@]/)[0].toLowerCase().replace(/_/g, '-');
  const [lang, ...rest] = tag.split('-');
  if (lang !== 'zh') return undefined;
  if (rest.some((p) => p === 'tw' || p === 'hk' || p === 'mo' || p === 'hant')) return undefined;
  return 'zh-cn';
}
