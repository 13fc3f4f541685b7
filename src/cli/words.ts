import { SETTING_WORDS } from './options';
import { t } from '../core';

/**
 * The core names settings as `gopherReload.<key>` and actions as VS Code commands ("Restart
 * Server"); the CLI says its own words. Every line the CLI prints goes through cliWords.
 */
const named = (key: string): string | undefined => {
  const w = (SETTING_WORDS as Record<string, (typeof SETTING_WORDS)[keyof typeof SETTING_WORDS]>)[key];
  if (w === undefined) return undefined;
  return typeof w === 'string' ? w : w.sentence;
};

/** A config issue's setting (`port`, `preBuild[1]`) as the CLI user knows it. */
export function settingWords(setting: string): string {
  const m = /^(\w+)(\[(\d+)\])?$/.exec(setting);
  const base = m ? named(m[1]) : undefined;
  if (!base) return setting;
  return m?.[3] !== undefined ? t('{0} (item {1})', base, Number(m[3]) + 1) : base;
}

const PHRASES: [RegExp, string][] = [
  [/run "(?:Re)?[Ss]tart Server"/g, 'restart gopher-reload'],
  [/Run "Gopher Reload: Restart Server"/g, 'Restart gopher-reload'],
  [/"?Gopher Reload: Restart Server"?/g, 'restart gopher-reload'],
  [/Start it from VS Code \(Gopher Reload: Start Server\) or save a file/g, 'Save a file or restart gopher-reload'],
  [/"?Gopher Reload: Start Server"?/g, 'restart gopher-reload'],
  [/save or Restart Server/g, 'save again or restart gopher-reload'],
  [/Restart Server/g, 'restart gopher-reload'],
  [/"?Gopher Reload: Stop Server"?|Stop Server/g, 'stop gopher-reload (Ctrl+C)'],
  [/the extension uses VS Code's watcher/g, 'gopher-reload uses native file events (or --poll)'],
];

// Setting names the core writes bare (camelCase, so never an ordinary English word).
const BARE = new RegExp(
  `\\b(${Object.keys(SETTING_WORDS)
    .filter((k) => /[A-Z]/.test(k))
    .join('|')})\\b`,
  'g',
);

/**
 * Whole sentences the CLI says differently, in the language in use (so after useLocale): the CLI
 * reads no VS Code settings, so it looks for go in GOROOT, PATH and the default folders.
 */
function sentences(): [string, string][] {
  return [
    [
      t('Install Go (https://go.dev/dl/), or set go.goroot or go.alternateTools.go to where it is.'),
      t('Install Go (https://go.dev/dl/), or set GOROOT to where Go is installed, or put its bin folder on PATH.'),
    ],
  ];
}

export function cliWords(text: string): string {
  let out = text.replace(/gopherReload\.(\w+)/g, (all, key: string) => named(key) ?? all);
  for (const [from, to] of sentences()) out = out.split(from).join(to);
  for (const [re, to] of PHRASES) out = out.replace(re, to);
  return out.replace(BARE, (all, key: string) => named(key) ?? all);
}
