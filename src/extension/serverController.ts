import * as path from 'node:path';
import * as vscode from 'vscode';
import { panicDiagnostics, publish, toDiagnostics } from './diagnostics';
import { needsRestart, readSettings, SECTION } from './settings';
import { affectsGoSettings, readGoSettings } from './goSettings';
import { walkthroughMilestone } from './walkthrough';
import { statusView } from './statusView';
import { taskBuildStep } from './taskBuild';
import { OutputTerminal } from './terminal';
import { BuildProgressNotifier } from './buildProgress';
import { hostGoPlatform, mergeGoExtension, ReloadEngine, readAirToml, resolveConfig, t } from '../core';
import type { BuildProblem, BuildProgress, DebugPause, DebugTarget, EngineConfig, EngineState, Logger, RawSettings } from '../core';
import type { DebugServer, DebugSessions } from './debugSession';
import { lookUpDlv, offerDlvInstall } from './debugInstall';
import { resolveTarget, type TargetResolution } from '../core';

/**
 * How long typing must pause before the unsaved text is pre-built: its compile-only pass starts
 * then, the full build LINK_PAUSE_MS later (see Speculation). A keystroke cancels both.
 */
const TYPING_PAUSE_MS = 100;

/** What one controller runs: a Go module, or one service of a module (gopherReload.services). */
export interface Target {
  /** The module root, or `<module root>#<service name>`: command arguments and memento keys. */
  id: string;
  name: string;
  moduleRoot: string;
  folder: vscode.WorkspaceFolder;
  service?: string;
}

/**
 * One server in the workspace (a Go module, or one service of it): its engine, terminal,
 * Problems, status bar item, and the VS Code events that feed the engine. Everything here is
 * glue; decisions live in the engine.
 */
export class ServerController implements vscode.Disposable, DebugServer {
  readonly id: string;
  readonly name: string;
  readonly folder: vscode.WorkspaceFolder;
  /** Where the engine builds, runs and watches: the module root or the service's folder. */
  root: string;
  readonly engine: ReloadEngine;
  private readonly terminal: OutputTerminal;
  private readonly diagnostics: vscode.DiagnosticCollection;
  private readonly item: vscode.StatusBarItem;
  private readonly subs: vscode.Disposable[] = [];
  private configIssues: string[] = [];
  /** The settings this server was last resolved from: a services edit restarts only the services it changed. */
  private specJson = '';
  /** The last notes on the Go extension's settings, so the log says them once, not on every resolve. */
  private goNotes = '';
  private hotReload: boolean;
  private lastAcceptedChangeAt?: number;
  private buildProblems: BuildProblem[] = [];
  private typingTimer?: NodeJS.Timeout;
  private startTimer?: NodeJS.Immediate;
  /** The build in progress (go build -v): shown in the status bar, and in a cancellable notification when it is long. */
  private progress?: BuildProgress;
  private readonly notifier: BuildProgressNotifier;
  /** From the last accepted change event to the build starting (quiet window + our overhead). */
  saveToBuildMs?: number;
  /**
   * This window's choice from Debug Server, a gopher-reload launch configuration, Stop Debugging or
   * the debug toolbar's Stop; undefined: gopherReload.debug decides. Not kept across windows: like
   * F5, a debug session is something you start, the setting is what you keep.
   */
  private debugChoice?: boolean;
  /** gopherReload.debug as resolved for this server (a service may set it). */
  private debugSetting = false;
  /** The dlv found for this server, once looked up (undefined: not yet, or missing). */
  private dlv?: string;
  /** The user asked to debug: the next session may show Run and Debug. Sessions after a reload are quiet. */
  private revealSession = false;
  /** A start waiting for Delve to be found; a newer start or a stop makes it moot. */
  private startSeq = 0;
  private disposed = false;

  constructor(
    private readonly target: Target,
    private readonly memento: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
    private readonly onChanged: (what?: 'insights') => void,
    private readonly sessions?: DebugSessions,
  ) {
    const { id, name, folder } = target;
    this.id = id;
    this.name = name;
    this.folder = folder;
    this.root = target.moduleRoot;
    const settings = readSettings(vscode.Uri.file(target.moduleRoot));
    this.hotReload = memento.get<boolean>(this.mementoKey) ?? settings.startOnOpen;
    this.terminal = new OutputTerminal(
      !target.service && name === folder.name && vscode.workspace.workspaceFolders?.length === 1 ? 'Gopher Reload' : `Gopher Reload: ${name}`,
    );
    this.diagnostics = vscode.languages.createDiagnosticCollection(`gopherReload:${name}`);
    this.item = vscode.window.createStatusBarItem(`gopherReload.status.${id}`, vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'Gopher Reload';
    this.item.command = { command: 'gopherReload.toggle', title: t('Toggle Hot Reload'), arguments: [id] };
    const logger: Logger = {
      trace: (m) => log.trace(`[${name}] ${m}`),
      info: (m) => log.info(`[${name}] ${m}`),
      warn: (m) => log.warn(`[${name}] ${m}`),
      error: (m) => log.error(`[${name}] ${m}`),
    };
    this.engine = new ReloadEngine(this.resolve(settings), logger, settings.buildTask ? taskBuildStep(settings.buildTask, folder) : undefined);
    // File links on the proxy's error page open files in a desktop VS Code on this machine only.
    this.engine.setFileLinks(vscode.env.remoteName === undefined && vscode.env.uiKind === vscode.UIKind.Desktop);
    this.engine.setDebugClient(sessions?.clientFor(this));
    this.notifier = new BuildProgressNotifier(name, () => this.engine.cancelBuild());
    this.subs.push(this.notifier);
    this.subs.push(
      this.engine.onState((s) => this.onState(s)),
      this.engine.insights.onChange(() => {
        this.publishDiagnostics();
        this.onChanged('insights');
      }),
      this.engine.onOutput((o) => (o.source === 'engine' ? this.terminal.line(o) : this.terminal.write(o.text))),
      this.engine.onDebug(() => this.render()),
      this.engine.onProgress((p) => {
        this.progress = p;
        this.notifier.update(p);
        this.render();
      }),
      vscode.workspace.onDidSaveTextDocument((d) => this.changed(d.uri)),
      vscode.workspace.onDidChangeTextDocument((e) => this.typed(e)),
      vscode.workspace.onDidChangeConfiguration((e) => this.onConfig(e)),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.onTrust()),
    );
    // Changes made outside the editor (branch switch, generators, another tool) come from here.
    // The module root, not this.root: a service's folder or .air.toml root can move with settings.
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(target.moduleRoot), '**/*'));
    this.subs.push(
      watcher,
      watcher.onDidChange((u) => this.changed(u)),
      watcher.onDidCreate((u) => this.changed(u)),
      watcher.onDidDelete((u) => this.changed(u)),
    );
    this.render();
    // Not revealed when it starts on its own with the folder: a Go developer opening a project
    // expects the editor, not a panel; the status bar says how the server is doing, one click away.
    // After activation, not inside it: the first start reads every watched file and spawns go
    // list and go build (48-180 ms measured on 2 busy cores), which VS Code need not wait for.
    if (this.hotReload && vscode.workspace.isTrusted) this.startTimer = setImmediate(() => this.hotReload && this.start('start', false));
  }

  private get mementoKey(): string {
    return `gopherReload.hotReload:${this.target.id}`;
  }

  /** With several servers one summary item stands for all of them (see summaryView). */
  setItemVisible(visible: boolean): void {
    if (visible) this.item.show();
    else this.item.hide();
  }

  get isHotReload(): boolean {
    return this.hotReload;
  }

  get state(): EngineState {
    return this.engine.state;
  }

  get statusText(): string {
    return this.item.text;
  }

  get tooltipText(): string {
    const t = this.item.tooltip;
    return typeof t === 'string' ? t : (t?.value ?? '');
  }

  /** reveal: show the terminal (without focus): when the user asked, not when it starts on its own. */
  start(reason = 'start', reveal = true): void {
    clearImmediate(this.startTimer); // the deferred first start, if it has not run yet
    if (!vscode.workspace.isTrusted) {
      void vscode.window
        .showWarningMessage(t('Gopher Reload builds and runs nothing in an untrusted workspace.'), t('Manage Workspace Trust'))
        .then((a) => a && vscode.commands.executeCommand('workbench.trust.manage'));
      return;
    }
    const seq = ++this.startSeq;
    const go = () => {
      if (seq !== this.startSeq || this.disposed) return;
      // The engine's debug setting follows this window's choice and the dlv found.
      if (this.engine.configuration.debug !== (this.debugWanted && this.dlv !== undefined)) this.engine.reconfigure(this.resolve(), false, this.buildStep());
      this.startNow(reason, reveal);
    };
    // Delve first (a lookup, maybe an offer to install it); the server starts either way.
    if (this.debugWanted && !this.dlv) void this.findDlv().then(go);
    else go();
  }

  private startNow(reason: string, reveal: boolean): void {
    this.log.info(`[${this.name}] ${reason}: effective configuration ${describe(this.engine.configuration)}`);
    if (reveal) this.terminal.show(true);
    this.engine.start(reason);
    this.render();
  }

  async stop(): Promise<void> {
    clearImmediate(this.startTimer);
    this.startSeq++;
    await this.engine.stop();
  }

  private buildStep() {
    const task = readSettings(vscode.Uri.file(this.target.moduleRoot)).buildTask;
    return task ? taskBuildStep(task, this.folder) : undefined;
  }

  /** Debugging is asked for (the commands, launch.json or gopherReload.debug), whether or not Delve was found. */
  get debugWanted(): boolean {
    return this.debugChoice ?? this.debugSetting;
  }

  /** The running server's Delve, while there is one. */
  get debugTarget(): DebugTarget | undefined {
    return this.engine.debugTarget;
  }

  get debugGeneration(): number | undefined {
    return this.engine.debugTarget?.generation;
  }

  debugPaused(generation: number, pause: DebugPause | undefined): void {
    this.engine.debugPaused(generation, pause);
  }

  debugExited(generation: number, code: number): void {
    this.engine.debugExited(generation, code);
  }

  takeReveal(): boolean {
    const r = this.revealSession;
    this.revealSession = false;
    return r;
  }

  /**
   * Debug Server, or a gopher-reload launch configuration: debug this server from now on (this
   * window), starting it (and hot reload) if needed. Already debugging: show the session.
   */
  async debug(): Promise<void> {
    if (!vscode.workspace.isTrusted) return this.start('debug');
    if (this.debugWanted && this.engine.debugTarget && this.sessions?.hasSession(this.id, this.engine.debugTarget.generation)) {
      await vscode.commands.executeCommand('workbench.view.debug');
      return;
    }
    this.debugChoice = true;
    this.revealSession = true;
    this.log.info(`[${this.name}] debugging on`);
    if (!this.hotReload) return this.setHotReload(true);
    if (this.engine.state.kind === 'stopped') return this.start('debug');
    const target = this.engine.debugTarget;
    if (target && this.engine.configuration.debug) {
      // Delve runs but no session is attached (it failed or timed out): attach again.
      await this.sessions
        ?.clientFor(this)
        .attach(target)
        .catch((e: Error) => this.log.warn(`[${this.name}] attach failed: ${e.message}`));
      return;
    }
    if (!this.dlv) await this.findDlv();
    this.applyDebug();
  }

  /** Stop Debugging: the server restarts without Delve and keeps hot reloading. */
  stopDebugging(why = 'debugging off'): void {
    this.debugChoice = false;
    this.log.info(`[${this.name}] ${why}`);
    this.applyDebug();
  }

  /** The debug toolbar's Stop or Disconnect on this server's current session. */
  debugEndedByUser(): void {
    if (this.disposed || !this.engine.configuration.debug) return;
    this.stopDebugging('the debug session was stopped from the toolbar: debugging off, the server restarts without Delve');
    void vscode.window.showInformationMessage(
      t(
        'Gopher Reload: debugging is off for {0}; the server restarts without the debugger and hot reload keeps running. "Debug Server (hot reload)" turns it on again.',
        this.name,
      ),
    );
  }

  /** Puts the current choice into the engine: a running server restarts with or without Delve. */
  private applyDebug(): void {
    const before = this.engine.configuration.debug;
    const config = this.resolve();
    const restart = config.debug !== before;
    this.engine.reconfigure(config, restart, this.buildStep());
    if (restart && this.engine.state.kind === 'stopped' && this.hotReload) this.start('start');
    this.render();
  }

  /**
   * Looks Delve up (dlvPath, go.alternateTools, PATH, GOBIN, GOPATH/bin). Missing: the server runs
   * without it, and the user is offered an install; once installed, debugging turns on.
   */
  private async findDlv(): Promise<void> {
    const scope = vscode.Uri.file(this.target.moduleRoot);
    const env = { ...process.env, ...this.engine.configuration.env };
    const r = await lookUpDlv(scope, this.folder.uri.fsPath, this.rawDlvPath, env, this.engine.goBinary);
    if ('found' in r) {
      this.dlv = r.found.path;
      this.log.info(`[${this.name}] Delve: ${r.found.path} (from ${r.found.via})`);
      return;
    }
    if ('problem' in r) {
      this.log.warn(`[${this.name}] ${r.problem}`);
      void vscode.window
        .showWarningMessage(t('Gopher Reload: {0}. Debugging stays off; hot reload runs without the debugger.', r.problem), t('Open Settings'))
        .then((a) => a && vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.dlvPath`));
      return;
    }
    this.log.warn(`[${this.name}] Delve (dlv) not found: the server runs without the debugger`);
    void offerDlvInstall(this.folder, this.log, this.engine.goBinary).then(async (installed) => {
      if (this.disposed) return;
      if (!installed) {
        // Declined: no more offers on every start; the commands ask again.
        if (this.debugChoice !== false && this.debugWanted) this.debugChoice = false;
        this.render();
        return;
      }
      const again = await lookUpDlv(scope, this.folder.uri.fsPath, this.rawDlvPath, env, this.engine.goBinary);
      if (!('found' in again)) {
        void vscode.window.showErrorMessage(
          t(
            'Gopher Reload: Delve was installed but not found in $GOBIN, $GOPATH/bin or on PATH; set gopherReload.dlvPath to the dlv binary. Debugging stays off.',
          ),
        );
        return;
      }
      this.dlv = again.found.path;
      this.log.info(`[${this.name}] Delve installed: ${again.found.path}`);
      if (this.debugWanted) this.applyDebug();
    });
  }

  /** gopherReload.dlvPath as set for this server. */
  private rawDlvPath?: string;

  private noteDebugSettings(raw: RawSettings): void {
    this.debugSetting = raw.debug === true;
    this.rawDlvPath = typeof raw.dlvPath === 'string' && raw.dlvPath ? raw.dlvPath : undefined;
  }

  async setHotReload(on: boolean): Promise<void> {
    this.hotReload = on;
    await this.memento.update(this.mementoKey, on);
    this.log.info(`[${this.name}] hot reload ${on ? 'on' : 'off'}`);
    if (on) this.start('start');
    else await this.engine.stop(t('Hot reload is off.'));
    this.render();
  }

  showTerminal(): void {
    this.terminal.show(false);
  }

  /**
   * Typing in a Go file of this server: any pre-build in progress is stale; once the user pauses,
   * pre-build every unsaved Go file of the module (the engine decides whether it applies).
   */
  private typed(e: vscode.TextDocumentChangeEvent): void {
    const d = e.document;
    // By extension, not languageId: a workspace may map .go files to another language mode.
    if (!e.contentChanges.length || d.uri.scheme !== 'file' || !d.uri.fsPath.endsWith('.go') || !this.hotReload || !vscode.workspace.isTrusted) return;
    if (!d.uri.fsPath.startsWith(this.target.moduleRoot + path.sep)) return;
    this.engine.cancelSpeculation();
    clearTimeout(this.typingTimer);
    // Not d.isDirty here: VS Code marks the document dirty only after this event. The timer
    // looks at dirtiness once typing pauses (undone back to the saved text: nothing to build).
    this.typingTimer = setTimeout(() => {
      const unsaved = vscode.workspace.textDocuments.filter(
        (x) => x.isDirty && x.uri.scheme === 'file' && x.uri.fsPath.endsWith('.go') && x.uri.fsPath.startsWith(this.target.moduleRoot + path.sep),
      );
      const started = unsaved.length > 0 && this.engine.speculate(new Map(unsaved.map((x) => [x.uri.fsPath, x.getText()])));
      this.log.trace(`[${this.name}] ${started ? `pre-building ${unsaved.length} unsaved file(s)` : 'no pre-build (not applicable now)'}`);
    }, TYPING_PAUSE_MS);
  }

  private changed(uri: vscode.Uri): void {
    if (uri.scheme !== 'file' || !this.hotReload || !vscode.workspace.isTrusted) return;
    if (this.engine.fileChanged(uri.fsPath)) {
      this.lastAcceptedChangeAt = performance.now();
      this.terminal.hold(); // the reload is on its way: see OutputTerminal.hold
      this.log.trace(`[${this.name}] change: ${path.relative(this.root, uri.fsPath)}`);
    }
  }

  /** The engine configuration: this module's settings, or its service's; the precedence is resolveTarget's. */
  private resolve(settings = readSettings(vscode.Uri.file(this.target.moduleRoot))): EngineConfig {
    const { r, found } = this.targetOf(settings);
    const serviceIssues = found ? [] : [`${SECTION}.services: service "${this.target.service}" is no longer defined`];
    const { root, raw: ours } = found ?? { root: this.target.moduleRoot, raw: settings.raw };
    // The Go extension's settings fill what ours leave unset (go.buildTags, go.buildFlags, go.toolsEnvVars).
    const go = readGoSettings(vscode.Uri.file(this.target.moduleRoot));
    const { raw, notes } = mergeGoExtension(ours, go, hostGoPlatform());
    const said = notes.join('\n');
    if (said !== this.goNotes) for (const n of notes) this.log.info(`[${this.name}] ${n}`);
    this.goNotes = said;
    this.root = root;
    this.specJson = JSON.stringify([this.root, raw, go.goroot, go.alternateGo]);
    const resolved = resolveConfig(this.root, this.withDebug(raw));
    const issues = resolved.issues;
    // Where to look for go first, as the Go extension does (the engine finds it: GoToolchain).
    const config = { ...resolved.config, goroot: go.goroot, goAlternateTool: go.alternateGo };
    this.configIssues = [...serviceIssues, ...(found ? this.airNotes(r) : []), ...issues.map((i) => `${SECTION}.${i.setting}: ${i.message}`)];
    for (const i of this.configIssues) this.log.warn(`[${this.name}] ${i}`);
    if (issues.length) {
      void vscode.window
        .showWarningMessage(
          `Gopher Reload: ${this.configIssues[0]}${issues.length > 1 ? ' ' + t('(and {0} more, see the log)', issues.length - 1) : ''}`,
          t('Open Settings'),
        )
        .then((a) => a && vscode.commands.executeCommand('workbench.action.openSettings', SECTION));
    }
    return config;
  }

  /** This server's settings: the module's, or its service's (resolveTarget's precedence). No side effects. */
  private targetOf(settings: ReturnType<typeof readSettings>) {
    const scope = vscode.Uri.file(this.target.moduleRoot);
    // A module target ignores `services` (the workspace replaces it once services appear).
    const services = this.target.service ? vscode.workspace.getConfiguration(SECTION, scope).get('services') : undefined;
    const r = resolveTarget({ moduleRoot: this.target.moduleRoot, folderRoot: this.folder.uri.fsPath, settings: settings.raw, services });
    const found = r.targets.find((t) => t.service === this.target.service);
    return { r, found, raw: found?.raw ?? settings.raw };
  }

  /**
   * The debug settings as this window decides them: on only when asked for AND Delve was found (a
   * server never waits for an install; it runs without the debugger until dlv is there).
   */
  private withDebug(raw: RawSettings): RawSettings {
    this.noteDebugSettings(raw);
    const on = this.debugWanted && this.dlv !== undefined;
    return { ...raw, debug: on, ...(on ? { dlvPath: this.dlv } : {}) };
  }

  /**
   * Running from .air.toml (no gopherReload settings): unsupported keys go to the log; a syntax
   * error is a settings issue (tooltip, log, notification), returned.
   */
  private airNotes(r: TargetResolution): string[] {
    if (r.airError) return [t('{0} (fix it, or set any gopherReload setting to stop using .air.toml); using the defaults', r.airError.message)];
    const air = r.air;
    if (!air) return [];
    this.log.info(
      `[${this.name}] no gopherReload settings: using .air.toml (${JSON.stringify(air.settings)}); "Gopher Reload: Convert .air.toml to Settings" makes them settings`,
    );
    for (const u of air.unsupported) this.log.warn(`[${this.name}] .air.toml ${u}`);
    for (const i of air.ignored) this.log.info(`[${this.name}] .air.toml ${i} (ignored)`);
    if (air.pollIntervalMs !== undefined) this.log.info(`[${this.name}] .air.toml build.poll = true: VS Code's own file events are used (the CLI polls)`);
    return [];
  }

  /** Writes what .air.toml says as this folder's gopherReload settings. */
  async convertAirToml(): Promise<void> {
    let air;
    try {
      air = readAirToml(this.target.moduleRoot, this.folder.uri.fsPath);
    } catch (e) {
      void vscode.window.showErrorMessage(`Gopher Reload: ${(e as Error).message}`);
      return;
    }
    if (!air) {
      void vscode.window.showInformationMessage(t('Gopher Reload: there is no .air.toml in {0}.', this.target.moduleRoot));
      return;
    }
    const cfg = vscode.workspace.getConfiguration(SECTION, vscode.Uri.file(this.target.moduleRoot));
    const target = (vscode.workspace.workspaceFolders?.length ?? 0) > 1 ? vscode.ConfigurationTarget.WorkspaceFolder : vscode.ConfigurationTarget.Workspace;
    for (const [k, val] of Object.entries(air.settings)) await cfg.update(k, val, target);
    // air's `root` below the module has no setting of its own: it is what a service's folder is.
    const rel = path.relative(this.target.moduleRoot, air.root).split(path.sep).join('/');
    if (rel) await cfg.update('services', [{ name: path.basename(air.root), folder: rel }], target);
    this.log.info(`[${this.name}] .air.toml converted to settings: ${Object.keys(air.settings).join(', ')}`);
    const more = air.unsupported.length ? ' ' + t('Not converted: {0}.', air.unsupported.join('; ')) : '';
    void vscode.window.showInformationMessage(
      t('Gopher Reload: .air.toml is now {0} settings in .vscode/settings.json.', Object.keys(air.settings).length) + more,
    );
  }

  private onConfig(e: vscode.ConfigurationChangeEvent): void {
    const scope = vscode.Uri.file(this.target.moduleRoot);
    if (!e.affectsConfiguration(SECTION, scope) && !affectsGoSettings(e, scope)) return;
    if (e.affectsConfiguration(`${SECTION}.dlvPath`, scope)) this.dlv = undefined;
    // The setting changed: it decides again, over this window's earlier choice.
    if (e.affectsConfiguration(`${SECTION}.debug`, scope)) this.debugChoice = undefined;
    this.noteDebugSettings(this.targetOf(readSettings(scope)).raw);
    // Debugging is asked for and Delve not looked up yet: look first, then restart once.
    if (this.debugWanted && !this.dlv && this.engine.state.kind !== 'stopped') void this.findDlv().then(() => !this.disposed && this.applyConfig(e));
    else this.applyConfig(e);
  }

  private applyConfig(e: vscode.ConfigurationChangeEvent): void {
    const scope = vscode.Uri.file(this.target.moduleRoot);
    const settings = readSettings(scope);
    const before = this.specJson;
    const config = this.resolve(settings);
    const restart = needsRestart(e, scope) || affectsGoSettings(e, scope) || (e.affectsConfiguration(`${SECTION}.services`, scope) && before !== this.specJson);
    this.log.info(`[${this.name}] settings changed${restart ? ': rebuilding and restarting' : ''}`);
    this.engine.reconfigure(config, restart, settings.buildTask ? taskBuildStep(settings.buildTask, this.folder) : undefined);
    this.render();
  }

  private onTrust(): void {
    this.log.info(`[${this.name}] workspace trusted`);
    if (this.hotReload) this.start('start', false);
    this.render();
  }

  private onState(s: EngineState): void {
    // Held while a build or a server start is on the critical path, shown once it is over.
    if (s.kind === 'building' || s.kind === 'starting') this.terminal.hold();
    else this.terminal.release();
    if (s.kind === 'building' && this.lastAcceptedChangeAt !== undefined) {
      this.saveToBuildMs = Math.round((performance.now() - this.lastAcceptedChangeAt) * 10) / 10;
      this.lastAcceptedChangeAt = undefined;
    }
    const before = this.buildProblems;
    if (s.kind === 'build-failed') this.buildProblems = s.problems;
    else if (s.kind === 'running' || s.kind === 'starting') this.buildProblems = [];
    if (before !== this.buildProblems) this.publishDiagnostics();
    if (s.kind === 'build-failed') walkthroughMilestone('buildFailed');
    else if (s.kind === 'running' && s.timings.trigger !== 'start' && s.timings.saveToReadyMs !== undefined) walkthroughMilestone('reloaded');
    this.render();
  }

  /** Build problems (source "go build", or "go build (api)" for a service) and the server's panics. */
  private publishDiagnostics(): void {
    const source = this.target.service ? `go build (${this.target.service})` : 'go build';
    const trace = vscode.Uri.parse(`command:gopherReload.showTerminal?${encodeURIComponent(JSON.stringify([this.id]))}`);
    publish(this.diagnostics, [toDiagnostics(this.buildProblems, this.root, source), panicDiagnostics(this.engine.insights.panics, trace)]);
  }

  private render(): void {
    const v = statusView({
      id: this.id,
      name: this.name,
      trusted: vscode.workspace.isTrusted,
      hotReload: this.hotReload,
      state: this.engine.state,
      configIssues: this.configIssues,
      progress: this.progress,
      debug: this.engine.debugTarget,
      root: this.root,
    });
    this.item.text = v.text;
    const md = new vscode.MarkdownString(v.tooltip, true);
    md.isTrusted = {
      enabledCommands: [
        'gopherReload.restart',
        'gopherReload.stop',
        'gopherReload.start',
        'gopherReload.showLogs',
        'gopherReload.showTerminal',
        'gopherReload.openInBrowser',
        'gopherReload.toggle',
        'gopherReload.stopDebugging',
        'gopherReload.debugServer',
        'workbench.trust.manage',
        'workbench.actions.view.problems',
      ],
    };
    this.item.tooltip = md;
    this.item.backgroundColor = v.background ? new vscode.ThemeColor(`statusBarItem.${v.background}Background`) : undefined;
    this.onChanged();
  }

  async disposeAsync(): Promise<void> {
    this.disposed = true;
    clearImmediate(this.startTimer);
    await this.engine.dispose();
    this.dispose();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.typingTimer);
    clearImmediate(this.startTimer);
    for (const s of this.subs) s.dispose();
    this.item.dispose();
    publish(this.diagnostics, []); // forgets what the collection showed (diagnostics.ts keeps it per collection)
    this.diagnostics.dispose();
    this.terminal.dispose();
  }
}

function describe(c: EngineConfig): string {
  const { readyPattern, ...rest } = c;
  return JSON.stringify({ ...rest, readyPattern: readyPattern?.source });
}
