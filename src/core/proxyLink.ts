import type { EngineConfig } from './config';
import type { Logger } from './log';
import { freePort, portOwner } from './ports';
import { ReloadProxy, type Upstream } from './proxy';
import type { EngineState } from './state';

/** How long a swap waits for requests in flight to finish before the old server is stopped. */
const DRAIN_MS = 2000;

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
    const key = `${c.proxyPort}:${c.port}:${c.proxyHoldMs}:${c.liveReload}`;
    if (this.proxy && this.key === key) return undefined;
    await this.close();
    this.key = key;
    // The app's own port: gopherReload.port when set (the app may insist on it), else a free one.
    this.appPort = c.port ?? (this.appPort !== undefined && this.appPort !== c.proxyPort ? this.appPort : await freePort());
    try {
      this.proxy = await ReloadProxy.listen({ listenPort: c.proxyPort, holdMs: c.proxyHoldMs, liveReload: c.liveReload, log: this.log });
      this.log.info(`proxy on :${c.proxyPort} → app on :${this.appPort} (${c.proxyPortEnv}=${this.appPort})${c.liveReload ? ', live reload on' : ''}`);
      return undefined;
    } catch (e) {
      const owner = portOwner(c.proxyPort);
      return {
        message: `The proxy could not listen on port ${c.proxyPort}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}${owner ? ` (in use by pid ${owner.pid}, ${owner.name})` : ''}.`,
        hint: 'Stop what holds that port (Gopher Reload never kills it), or choose another gopherReload.proxyPort, then Restart Server.',
      };
    }
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

  /** Right before the old server is stopped: let requests in flight finish, hold the new ones. */
  async beforeStop(): Promise<void> {
    if (!this.proxy) return;
    await this.proxy.drain(DRAIN_MS);
    this.proxy.setUpstream({ kind: 'starting' });
  }

  /** Every engine state tells the proxy what to do with requests (and open pages when to reload). */
  onState(s: EngineState): void {
    const proxy = this.proxy;
    if (!proxy || this.appPort === undefined) return;
    const u = upstreamFor(s, this.appPort);
    if (u) proxy.setUpstream(u);
    if (s.kind === 'running' || s.kind === 'build-failed') proxy.reload();
  }

  /** The proxy only closes when the engine stops (or the setting goes away): between reloads it holds requests. */
  async close(): Promise<void> {
    const p = this.proxy;
    this.proxy = undefined;
    await p?.close();
  }
}

function upstreamFor(s: EngineState, appPort: number): Upstream | undefined {
  switch (s.kind) {
    case 'running':
    case 'unready':
      return { kind: 'up', port: appPort };
    case 'starting':
      return { kind: 'starting' };
    case 'building':
      return s.serving ? undefined : { kind: 'starting' }; // nothing serves: requests wait for this build
    case 'build-failed':
      return { kind: 'failed', problems: s.problems, output: s.output };
    case 'crashed':
      return s.retryInMs ? { kind: 'starting' } : { kind: 'down', title: `The server crashed (${s.signal ?? `exit ${s.exitCode}`})`, detail: s.lastOutput.join('\n') };
    case 'error':
      return { kind: 'down', title: s.message, detail: s.hint };
    case 'stopped':
      return { kind: 'down', title: 'The server is stopped', detail: s.message ?? 'Start it from VS Code (Gopher Reload: Start Server) or save a file.' };
  }
}
