import { t, type EngineState } from '../core';

/**
 * With several servers (services, or a multi-root workspace) one status bar item summarises them
 * ("3 running, 1 failed") instead of a row of items; clicking it opens the server quick pick.
 * Pure, like statusView, so it is unit-tested without VS Code.
 */
export interface SummaryEntry {
  id: string;
  name: string;
  hotReload: boolean;
  state: EngineState;
  /** The entry's own status text (what its item would show alone). */
  text: string;
}

type Bucket = 'failed' | 'crashed' | 'building' | 'running' | 'stopped' | 'off';

function bucket(e: SummaryEntry): Bucket {
  switch (e.state.kind) {
    case 'build-failed':
    case 'error':
    case 'unready':
      return 'failed';
    case 'crashed':
      return 'crashed';
    case 'building':
    case 'starting':
      return 'building';
    case 'running':
      return 'running';
    case 'stopped':
      return e.hotReload ? 'stopped' : 'off';
  }
}

const ORDER: Bucket[] = ['running', 'building', 'failed', 'crashed', 'stopped', 'off'];
const COUNTED: Record<Bucket, (n: number) => string> = {
  running: (n) => t('{0} running', n),
  building: (n) => t('{0} building', n),
  failed: (n) => t('{0} failed', n),
  crashed: (n) => t('{0} crashed', n),
  stopped: (n) => t('{0} stopped', n),
  off: (n) => t('{0} off', n),
};
const esc = (s: string) => s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
const link = (label: string, command: string, id: string) => `[${label}](command:${command}?${encodeURIComponent(JSON.stringify([id]))})`;

export function summaryView(entries: SummaryEntry[], trusted: boolean): { text: string; tooltip: string; background?: 'error' | 'warning' } {
  const counts = new Map<Bucket, number>();
  for (const e of entries) counts.set(bucket(e), (counts.get(bucket(e)) ?? 0) + 1);
  const parts = ORDER.filter((b) => counts.get(b)).map((b) => COUNTED[b](counts.get(b) ?? 0));
  const bad = (counts.get('failed') ?? 0) + (counts.get('crashed') ?? 0);
  const icon = !trusted
    ? '$(workspace-untrusted)'
    : counts.get('building')
      ? '$(loading~spin)'
      : bad
        ? '$(error)'
        : counts.get('running')
          ? '$(pass-filled)'
          : '$(circle-slash)';
  const rows = entries.map((e) => {
    const clean = e.text.replace(/\$\([\w~-]+\)\s*/g, '').replace(/^Gopher Reload: /, '');
    return `| ${esc(e.name)} | ${esc(clean)} | ${link('$(debug-restart)', 'gopherReload.restart', e.id)} ${link('$(debug-stop)', 'gopherReload.stop', e.id)} ${link('$(terminal)', 'gopherReload.showTerminal', e.id)} |`;
  });
  const tooltip = [
    `**Gopher Reload** — ${t('{0} servers', entries.length)}`,
    trusted ? '' : t('This workspace is not trusted, so nothing is built or run.'),
    `| ${t('server')} | ${t('state')} | |\n|---|---|---|\n` + rows.join('\n'),
    `[$(debug-restart) ${t('Restart All')}](command:gopherReload.restartAll) · [$(debug-stop) ${t('Stop All')}](command:gopherReload.stopAll) · [$(list-selection) ${t('Servers…')}](command:gopherReload.servers) · [$(output) ${t('Show Logs')}](command:gopherReload.showLogs)`,
  ]
    .filter(Boolean)
    .join('\n\n');
  return {
    text: `${icon} ${trusted ? parts.join(', ') : `Gopher Reload: ${t('untrusted')}`}`,
    tooltip,
    background: !trusted ? 'warning' : bad ? 'error' : undefined,
  };
}
