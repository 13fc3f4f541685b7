import { t } from '../util/l10n';
import type { EngineConfig } from '../config/config';
import type { Logger } from '../util/log';
import { canConnect, freePort, portOwner } from '../run/ports';
import { ReloadProxy, type Upstream } from './proxy';
import type { EngineState } from '../engine/state';
import { hostName, isLoopbackName } from './proxyHosts';

/** How long a swap waits for requests in flight to finish before the old server is stopped. */
const DRAIN_MS = 2000;
/** While a not-ready app does not listen on its port, the proxy knocks this often to forward again once it does. */
const KNOCK_MS = 500;

/**
 * Ties the request-holding proxy to the engine: the proxy takes the port users browse to, the
 * app gets a free port of its own (through `proxyPortEnv`, or `${appPort}` in args), and every
 * engine state says what the proxy does with a request: forward, hold, or answer with the build
 * errors. Before a swap stops the old server, requests in flight finish and new ones wait.
 */
export class ProxyLink {
  private proxy?: ReloadProxy;
  private appPort?: number;
  /** The settings the running proxy was started with: a change restarts it. */
  private key?: string;
  /** The port of the server that answers now (the last 'up'), for a failed build while it still serves. */
  private servingPort?: number;
  /** Bumped by every engine state: an answer about an older one is dropped. */
  private stateSeq = 0;
  private knockTimer?: NodeJS.Timeout;
  /** Host names the editor forwards the proxy's port under (allowHost); kept across proxy restarts. */
  private readonly forwardedHosts = new Set<string>();
  /** Whether the error page links file locations to VS Code (setFileLinks); kept across proxy restarts. */
  private fileLinks = true;

  constructor(
    private readonly config: () => EngineConfig,
    private readonly log: Logger,
  ) {}

  /** The port users browse to, when the proxy runs. */
  get port(): number | undefined {
    return this.proxy?.port;
  }

  /** Starts (or moves, or stops) the proxy to match the configuration. Undefined when all is well. */
  async ensure(): Promise<{ message: string; hint: string } | undefined> {
    const c = this.config();
    if (c.proxyPort === undefined) return void (await this.close());
    const key = `${c.proxyPort}:${c.port}:${c.proxyHoldMs}:${c.liveReload}:${c.proxyAllowedHosts.join(',')}`;
    if (this.proxy && this.key === key) return undefined;
    await this.close();
    this.key = key;
    // The app's own port: gopherReload.port when set (the app may insist on it), else a free one.
    this.appPort = c.port ?? (this.appPort !== undefined && this.appPort !== c.proxyPort ? this.appPort : await freePort());
    try {
      this.proxy = await ReloadProxy.listen({
        listenPort: c.proxyPort,
        holdMs: c.proxyHoldMs,
        liveReload: c.liveReload,
        allowedHosts: [...c.proxyAllowedHosts, ...this.forwardedHosts],
        words: c.pageWords,
        log: this.log,
      });
      this.proxy.setFileLinks(this.fileLinks);
      this.log.info(`proxy on :${c.proxyPort} → app on :${this.appPort} (${c.proxyPortEnv}=${this.appPort})${c.liveReload ? ', live reload on' : ''}`);
      return undefined;
    } catch (e) {
      const owner = portOwner(c.proxyPort);
      return {
        message: t(
          'The proxy could not listen on port {0}: {1}{2}.',
          c.proxyPort,
          (e as NodeJS.ErrnoException).code ?? (e as Error).message,
          owner ? ' ' + t('(in use by pid {0}, {1})', owner.pid, owner.name) : '',
        ),
        hint: t('Stop what holds that port (Gopher Reload never kills it), or choose another gopherReload.proxyPort, then Restart Server.'),
      };
    }
  }

  /**
   * The authority (`host[:port]`) under which the editor forwards the proxy's port, as
   * vscode.env.asExternalUri returned it (code-server's own host for `/proxy/<port>/`, a
   * Codespaces `*.app.github.dev` name): requests that arrive through the forwarding carry it in
   * Host, and the proxy's own pages (live reload, build errors) answer them from now on. Only that
   * exact name: the DNS-rebinding guard stays on for every other host. A loopback name needs
   * nothing (Remote-SSH's tunnel arrives as localhost); something that is not a host name is
   * ignored. Returns the name allowed, if any.
   */
  allowHost(authority: string): string | undefined {
    const name = hostName(authority);
    if (name === undefined || name.startsWith('.') || isLoopbackName(name) || this.forwardedHosts.has(name)) return undefined;
    this.forwardedHosts.add(name);
    this.proxy?.allowHost(name);
    this.log.info(`proxy: the editor forwards it as ${name}: its pages and live reload answer that host too`);
    return name;
  }

  /**
   * Whether the error page links file locations to VS Code (`vscode://file/...`). The editor
   * turns it off in remote development: the files are on the remote machine, and such a link
   * would open a path that does not exist on the user's.
   */
  setFileLinks(on: boolean): void {
    this.fileLinks = on;
    this.proxy?.setFileLinks(on);
  }

  /** What the supervisor runs with: behind the proxy, the app's own port and `${appPort}` in args. */
  serverConfig(c: EngineConfig): EngineConfig {
    if (!this.proxy || this.appPort === undefined) return c;
    const p = String(this.appPort);
    return { ...c, port: this.appPort, args: c.args.map((a) => a.split('${appPort}').join(p)) };
  }

  /** The app learns its port from this variable. */
  environment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    if (!this.proxy || this.appPort === undefined) return env;
    return { ...env, [this.config().proxyPortEnv]: String(this.appPort) };
  }

  /**
   * Right before the old server is stopped: let requests in flight finish, hold the new ones.
   * `paused`: the old server is stopped in the debugger, so nothing in flight can finish: they are
   * only marked as cut by our stop (a GET is sent again to the new server, a POST gets a 502).
   */
  async beforeStop(paused = false): Promise<void> {
    if (!this.proxy) return;
    await this.proxy.drain(paused ? 0 : DRAIN_MS);
    this.set({ kind: 'starting' });
  }

  /** Every engine state tells the proxy what to do with requests (and open pages when to reload). */
  onState(s: EngineState): void {
    const proxy = this.proxy;
    const seq = ++this.stateSeq;
    this.stopKnocking();
    if (!proxy || this.appPort === undefined) return;
    if (s.kind === 'unready') return void this.unready(s, seq);
    const u = upstreamFor(s, this.appPort, this.servingPort, this.config().pageWords ?? ((t) => t));
    if (u) this.set(u);
    if (s.kind === 'running' || s.kind === 'build-failed') proxy.reload();
  }

  private set(u: Upstream): void {
    // Which server answers: kept through 'building' and 'failed' (the old one serves on), gone
    // once it stopped or crashed.
    if (u.kind === 'up') this.servingPort = u.port;
    else if (u.kind !== 'failed') this.servingPort = undefined;
    this.proxy?.setUpstream(u);
  }

  /**
   * Not ready: when something answers on the app's port (a health URL that fails, a slow start)
   * requests go on to it as before; when nothing does (the app listens elsewhere: it ignores
   * $PORT) every request gets the engine's explanation at once instead of waiting proxyHoldMs
   * for a 503, and the port is knocked on until the app listens there.
   */
  private async unready(s: Extract<EngineState, { kind: 'unready' }>, seq: number, knock = false): Promise<void> {
    const appPort = this.appPort!;
    const listens = await canConnect(appPort, 100);
    if (seq !== this.stateSeq || !this.proxy) return;
    if (listens) {
      this.set({ kind: 'up', port: appPort });
      if (knock) this.proxy.reload(); // pages showing the explanation come back by themselves
      return;
    }
    const words = this.config().pageWords ?? ((t: string) => t);
    const said = words(s.message);
    // The first sentence is the page's title, the rest (what to do) and the app's last lines its body.
    const cut = said.search(/\.\s/);
    const title = cut > 0 ? said.slice(0, cut + 1) : said;
    const rest = cut > 0 ? said.slice(cut + 2).trim() : '';
    const output = s.lastOutput.length ? `The server's last output:\n${s.lastOutput.join('\n')}` : '';
    this.set({ kind: 'down', title, detail: [rest, output].filter(Boolean).join('\n\n') });
    this.knockTimer = setTimeout(() => {
      this.knockTimer = undefined;
      if (seq === this.stateSeq) void this.unready(s, seq, true);
    }, KNOCK_MS);
  }

  private stopKnocking(): void {
    clearTimeout(this.knockTimer);
    this.knockTimer = undefined;
  }

  /** The proxy only closes when the engine stops (or the setting goes away): between reloads it holds requests. */
  async close(): Promise<void> {
    const p = this.proxy;
    this.proxy = undefined;
    this.stopKnocking();
    this.servingPort = undefined;
    await p?.close();
  }
}

/**
 * The proxy's answer for each engine state. Text the engine wrote goes through `words` (the
 * adapter's names for settings and commands); the app's own output never does.
 */
function upstreamFor(
  s: Exclude<EngineState, { kind: 'unready' }>,
  appPort: number,
  servingPort: number | undefined,
  words: (text: string) => string,
): Upstream | undefined {
  switch (s.kind) {
    case 'running':
      return { kind: 'up', port: appPort };
    case 'starting':
      return { kind: 'starting' };
    case 'building':
      return s.serving ? undefined : { kind: 'starting' }; // nothing serves: requests wait for this build
    case 'build-failed':
      // The old server still answers (on the last port it was forwarded to): API calls go on to it.
      return { kind: 'failed', problems: s.problems, output: s.output, serving: s.serving ? servingPort : undefined };
    case 'crashed':
      return s.retryInMs
        ? { kind: 'starting' }
        : { kind: 'down', title: words(`The server crashed (${s.signal ?? `exit ${s.exitCode}`})`), detail: s.lastOutput.join('\n') };
    case 'error':
      // A build that could not finish (cancelled, timed out, killed) stopped no server: while the
      // old one still answers, requests go on to it, as its message says.
      if (servingPort !== undefined) return undefined;
      return { kind: 'down', title: words(s.message), detail: words(s.hint) };
    case 'stopped':
      return {
        kind: 'down',
        title: 'The server is stopped',
        detail: words(s.message ?? 'Start it from VS Code (Gopher Reload: Start Server) or save a file.'),
      };
  }
}
