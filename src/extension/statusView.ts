import { elapsedWords, t, type BuildProgress, type DebugTarget, type EngineState } from '../core';

/**
 * The status bar as a pure function of state, kept free of `vscode` so it is unit-tested in
 * plain Node; the adapter maps `background` to a ThemeColor and `tooltip` to MarkdownString.
 */
export interface StatusView {
  text: string;
  tooltip: string;
  background?: 'error' | 'warning';
}

export interface StatusInput {
  /** The server's id (its root, or root#service): command links carry it. */
  id: string;
  name: string;
  trusted: boolean;
  hotReload: boolean;
  state: EngineState;
  configIssues: string[];
  /** The running build's progress (engine.onProgress), while the state is building. */
  progress?: BuildProgress;
  /** The server's Delve (gopherReload.debug), while there is one (engine.debugTarget). */
  debug?: DebugTarget;
  /** Where the server builds and runs: a paused file is shown relative to it. */
  root?: string;
}

/** A build shorter than this keeps the plain "building…" text: a save's rebuild does not flicker. */
const PROGRESS_AFTER_MS = 1000;

/** "37/180", "37 packages", "downloading modules", "linking": short, for the status bar. */
function progressText(p: BuildProgress): string {
  if (p.phase === 'downloading') return `: ${t('downloading modules')}`;
  if (p.phase === 'linking') return `: ${t('linking')}`;
  if (p.total !== undefined) return ` ${p.done}/${p.total}`;
  return p.done ? ` ${packages(p.done)}` : '';
}

/** The tooltip's sentence: what was done so far and what that counts. */
function progressTooltip(p: BuildProgress): string {
  const compiled = p.total !== undefined ? t('{0} of at most {1} packages', p.done, p.total) : packages(p.done);
  const downloaded = p.downloaded ? (p.downloaded === 1 ? t(', downloaded 1 module') : t(', downloaded {0} modules', p.downloaded)) : '';
  const now = p.phase === 'linking' ? ' ' + t('Now linking the binary.') : p.current ? ' ' + t('Last: `{0}`.', p.current) : '';
  return `\n\n${t('Compiled {0}{1} in {2}.', compiled, downloaded, elapsedWords(p.elapsedMs))}${now}`;
}

/** Command links for the tooltip; each passes the server's id so it acts on this server only. */
function links(id: string) {
  const a = `?${encodeURIComponent(JSON.stringify([id]))}`;
  return {
    restart: `[$(debug-restart) ${t('Restart Server')}](command:gopherReload.restart${a})`,
    stop: `[$(debug-stop) ${t('Stop')}](command:gopherReload.stop${a})`,
    start: `[$(play) ${t('Start Server')}](command:gopherReload.start${a})`,
    logs: `[$(output) ${t('Show Logs')}](command:gopherReload.showLogs)`,
    output: `[$(terminal) ${t('Output')}](command:gopherReload.showTerminal${a})`,
    browser: `[$(globe) ${t('Open in Browser')}](command:gopherReload.openInBrowser${a})`,
    toggle: (on: boolean) => `[$(${on ? 'circle-slash' : 'zap'}) ${on ? t('Turn hot reload off') : t('Turn hot reload on')}](command:gopherReload.toggle${a})`,
    trust: `[$(shield) ${t('Manage Workspace Trust')}](command:workbench.trust.manage)`,
    stopDebugging: `[$(debug-disconnect) ${t('Stop Debugging (keep hot reload)')}](command:gopherReload.stopDebugging${a})`,
    debug: `[$(debug-alt) ${t('Debug')}](command:gopherReload.debugServer${a})`,
    // VS Code's own command: Problems holds every build error, or gopls' copy of it (diagnostics.ts).
    problems: `[$(error) ${t('Show Problems')}](command:workbench.actions.view.problems)`,
  };
}

const esc = (s: string) => s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
// A hint's own line breaks (a list of places looked) stay line breaks in Markdown.
const breaks = (s: string) => s.replace(/\n/g, '  \n');
const code = (lines: string[]) => (lines.length ? '\n\n```\n' + lines.slice(-8).join('\n').replace(/```/g, "'''") + '\n```' : '');
const packages = (n: number) => (n === 1 ? t('1 package') : t('{0} packages', n));

export function statusView(i: StatusInput): StatusView {
  const v = baseView(i);
  return i.debug && i.trusted ? debugView(i, i.debug, v) : v;
}

/** `handlers/users.go:42`: relative to the server's root when inside it (forward slashes), else the full path. */
export function pausedWhere(p: NonNullable<DebugTarget['paused']>, root?: string): string | undefined {
  if (!p.file) return undefined;
  const norm = (x: string) => x.replace(/\\/g, '/');
  const r = root ? norm(root).replace(/\/$/, '') + '/' : undefined;
  const f = norm(p.file);
  return `${r && f.startsWith(r) ? f.slice(r.length) : f}${p.line ? `:${p.line}` : ''}`;
}

/**
 * Under Delve: while paused, the status says where (a paused server answers nothing, so this is
 * the first thing to know); while running, `:8080 · debugging`. A build, a failed build or a crash
 * keep their own text: they matter more, and the tooltip still says Delve's address.
 */
function debugView(i: StatusInput, d: DebugTarget, v: StatusView): StatusView {
  const LINKS = links(i.id);
  const kind = i.state.kind;
  const address = d.pid
    ? t(
        'Delve listens on {0}:{1} (pid {2}; the server is pid {3}): every reload starts the server under a new Delve on the same address and a new debug session, and your breakpoints bind again.',
        d.host,
        d.port,
        d.dlvPid,
        d.pid,
      )
    : t(
        'Delve listens on {0}:{1} (pid {2}): every reload starts the server under a new Delve on the same address and a new debug session, and your breakpoints bind again.',
        d.host,
        d.port,
        d.dlvPid,
      );
  const off = `${t('Stop Debugging (or Stop in the debug toolbar) turns the debugger off; hot reload keeps running.')} ${LINKS.stopDebugging}`;
  const s = i.state;
  // Paused matters most while this server is the one serving: it answers nothing until you continue.
  const serving = kind === 'running' || kind === 'starting' || kind === 'unready' || ((s.kind === 'building' || s.kind === 'build-failed') && s.serving);
  if (d.paused && serving) {
    const where = pausedWhere(d.paused, i.root);
    const what = d.paused.reason === 'panic' ? ' ' + t('on a panic') : '';
    const because = d.paused.reason === 'panic' ? ` (panic: ${esc(d.paused.description ?? '')})` : d.paused.reason ? ` (${esc(d.paused.reason)})` : '';
    const also = s.kind === 'building' ? ` · ${t('building…')}` : s.kind === 'build-failed' ? ` · ${t('build failed ({0})', s.problems.length)}` : '';
    const paused = `${where ? t('Paused in the debugger at `{0}`', where) : t('Paused in the debugger')}${because}. ${t('The server answers no request until you continue (Continue in the debug toolbar, F5); it is not counted as hung.')}`;
    const rest = s.kind === 'building' || s.kind === 'build-failed' ? v.tooltip.replace(/^[^\n]*\n\n/, '') + '\n\n' : '';
    return {
      text: `$(debug-pause) ${t('paused')}${what}${where ? ` ${t('at {0}', where)}` : ''}${also}`,
      tooltip: `**Gopher Reload** — ${esc(i.name)}\n\n${paused}\n\n${rest}${address}\n\n${off}`,
      background: s.kind === 'build-failed' ? 'error' : undefined,
    };
  }
  const tip = `${v.tooltip}\n\n$(debug-alt) **${t('Debugging.')}** ${address}\n\n${off}`;
  if (kind === 'running') {
    const port = i.state.port;
    return { ...v, text: `$(debug-alt) ${port ? `:${port}` : t('running')} · ${t('debugging')}`, tooltip: tip };
  }
  return { ...v, tooltip: tip };
}

function baseView(i: StatusInput): StatusView {
  const LINKS = links(i.id);
  const head = `**Gopher Reload** — ${esc(i.name)}`;
  const issues = i.configIssues.length ? `\n\n$(warning) ${t('Settings:')} ` + i.configIssues.map(esc).join('; ') : '';
  const foot = (links: string[]) => `\n\n${links.join(' · ')}${issues}`;
  if (!i.trusted) {
    return {
      text: `$(workspace-untrusted) Gopher Reload: ${t('untrusted')}`,
      tooltip: `${head}\n\n${t('This workspace is not trusted, so nothing is built or run: build commands come from workspace files. Trust the workspace to turn hot reload on.')}\n\n${LINKS.trust}`,
      background: 'warning',
    };
  }
  const s = i.state;
  switch (s.kind) {
    case 'stopped':
      return {
        text: i.hotReload ? `$(circle-outline) Gopher Reload: ${t('stopped')}` : `$(circle-slash) Gopher Reload: ${t('off')}`,
        tooltip: `${head}\n\n${s.message ? esc(s.message) + '\n\n' : ''}${i.hotReload ? t('Hot reload is on, the server is stopped. Click to turn it off.') : t('Hot reload is off. Click to turn it on.')}${foot([LINKS.start, LINKS.toggle(i.hotReload), LINKS.logs])}`,
      };
    case 'building': {
      const p = i.progress && i.progress.elapsedMs >= PROGRESS_AFTER_MS ? i.progress : undefined;
      return {
        text: p
          ? `$(loading~spin) Gopher Reload: ${t('building')}${progressText(p)} · ${elapsedWords(p.elapsedMs)}`
          : `$(loading~spin) Gopher Reload: ${t('building…')}`,
        tooltip: `${head}\n\n${t('Building after {0}.', esc(s.trigger))}${s.serving ? ' ' + t('The current server keeps serving until the new one is ready.') : ''}${p ? progressTooltip(p) : ''}${foot([LINKS.output, LINKS.stop, LINKS.logs])}`,
      };
    }
    case 'starting':
      return {
        text: `$(loading~spin) Gopher Reload: ${t('starting…')}`,
        tooltip: `${head}\n\n${t('Starting pid {0}, waiting until it is ready.', s.pid)}${foot([LINKS.output, LINKS.stop, LINKS.logs])}`,
      };
    case 'running': {
      const tm = s.timings;
      const reloaded = tm.saveToReadyMs !== undefined && tm.trigger !== 'start' ? t(', reloaded in {0} ms', tm.saveToReadyMs) : '';
      const rows = [
        [t('Trigger'), esc(tm.trigger)],
        [
          t('Build'),
          tm.prebuilt
            ? `${t('none: pre-built while you typed')}${tm.buildMs ? ` ${t('(finished {0} ms after the save)', tm.buildMs)}` : ''}`
            : tm.buildMs !== undefined
              ? `${tm.buildMs} ms`
              : '—',
        ],
        [t('Restart (stop + ready)'), `${(tm.stopMs ?? 0) + (tm.startToReadyMs ?? 0)} ms`],
        [t('Save → ready'), tm.saveToReadyMs !== undefined ? `${tm.saveToReadyMs} ms` : '—'],
      ];
      const table = '\n\n| | |\n|---|---|\n' + rows.map((r) => `| ${r[0]} | ${r[1]} |`).join('\n');
      // A worker or queue consumer listens on no TCP port: that is how it runs, not a fault.
      const noPort =
        s.noPort && !s.appPort
          ? ' ' +
            t(
              'It listens on no TCP port (a worker, a queue consumer or a unix-socket server); if it should serve HTTP, check its address or set gopherReload.port.',
            )
          : '';
      return {
        text: `$(pass-filled) ${s.port ? `:${s.port}` : s.noPort ? t('running (no port)') : t('running')}${reloaded}`,
        tooltip: `${head}\n\n${s.port ? t('Running on {0}', `http://localhost:${s.port}`) : t('Running')} (pid ${s.pid}${s.appPort ? `; ${t('through the proxy, the app itself listens on :{0}', s.appPort)}` : ''}).${noPort} ${i.hotReload ? t('Hot reload is on; click to turn it off.') : t('Hot reload is off; click to turn it on.')}${table}${foot([LINKS.restart, LINKS.stop, ...(s.port ? [LINKS.browser] : []), ...(i.debug ? [] : [LINKS.debug]), LINKS.output, LINKS.logs])}`,
      };
    }
    case 'unready':
      return {
        text: `$(warning) Gopher Reload: ${t('not ready')}`,
        tooltip: `${head}\n\n${esc(s.message)}${code(s.lastOutput)}${foot([LINKS.restart, LINKS.stop, LINKS.output, LINKS.logs])}`,
        background: 'warning',
      };
    case 'build-failed': {
      const n = s.problems.length;
      const list = s.problems
        .slice(0, 5)
        .map((p) => `- \`${p.file.split(/[\\/]/).pop()}:${p.line}\` ${esc(p.message.split('\n')[0])}`)
        .join('\n');
      return {
        text: `$(error) ${t('Build failed ({0})', n)}`,
        tooltip: `${head}\n\n${n === 1 ? t('The build failed with 1 problem (see the Problems panel).') : t('The build failed with {0} problems (see the Problems panel).', n)} ${s.serving ? t('The previous server keeps serving.') : t('No server is running.')}\n\n${list}${n === 0 ? code(s.output.split('\n').filter(Boolean)) : ''}${foot([...(n ? [LINKS.problems] : []), LINKS.output, LINKS.restart, LINKS.logs])}`,
        background: 'error',
      };
    }
    case 'crashed': {
      const why = s.signal ?? `exit ${s.exitCode}`;
      // A crash loop (the server dies right after each start) reads differently from one crash.
      const looping = s.crashCount > 1;
      const times = looping ? ` ${t('({0} times)', s.crashCount)}` : '';
      const next = s.retryInMs
        ? t('Restarting in {0}.', s.retryInMs < 1000 ? `${s.retryInMs} ms` : `${s.retryInMs / 1000} s`)
        : looping
          ? t('It kept exiting right after start, so it is not restarted again until you save a file or restart.')
          : t('Save a file or restart to try again.');
      return {
        text: `$(flame) ${looping ? t('crashing') : t('crashed')}: ${why}${times}`,
        tooltip: `${head}\n\n${t('The server exited with {0}{1}.', why, times)} ${next}${code(s.lastOutput)}${foot([LINKS.restart, LINKS.output, LINKS.logs])}`,
        background: 'error',
      };
    }
    case 'error':
      return {
        text: `$(error) Gopher Reload: ${t('error')}`,
        tooltip: `${head}\n\n**${esc(s.message)}**\n\n${breaks(esc(s.hint))}${code(s.lastOutput ?? [])}${foot([LINKS.restart, LINKS.output, LINKS.logs])}`,
        background: 'error',
      };
  }
}
