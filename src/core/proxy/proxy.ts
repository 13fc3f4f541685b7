import * as http from 'node:http';
import type * as net from 'node:net';
import type { BuildProblem } from '../build/problem';
import { silentLogger, type Logger } from '../util/log';
import { LiveReloadHub, RESOURCE_CSP, acceptsHtml, liveResource } from './liveReload';
import { failedBuildSummary, notReadyDetail } from './errorPage';
import { UpstreamAgents } from './proxyAgent';
import { answerBuildFailed, answerPage, type Answering } from './proxyAnswer';
import { forwardHttp } from './proxyForward';
import { InFlight } from './proxyInFlight';
import { newHttpJob, newUpgradeJob, type Job, type JobHost, type ProxyStats } from './proxyJob';

export type { ProxyStats } from './proxyJob';
import { forwardUpgrade } from './proxyUpgrade';
import { MAX_HEADER_BYTES } from './proxyHeaders';
import { hostAllowed, hostName, hostRefusedText } from './proxyHosts';

/*
 * The reverse proxy in front of the app: users browse to its port, it forwards to the app's.
 * While the app restarts (after every save) requests wait here and are forwarded once the new
 * server is ready, so a reload never shows the browser a refused connection or a failed fetch.
 *
 * Written on node:http and node:net instead of http-proxy (unmaintained since 2020) because the
 * whole point is control over *when* the upstream connection is made: hold a request until the
 * app is up, connect before consuming its body so a refused connect can be retried, retry
 * refused or reset connects, and drain in-flight requests before the old server is stopped.
 * We also rewrite HTML bodies (live-reload injection), which needs the response in our hands.
 *
 * This file holds the upstream state and decides when each request goes where; forwarding is in
 * proxyForward.ts (HTTP) and proxyUpgrade.ts (websockets), the proxy's own pages in proxyAnswer.ts.
 */

export interface ProxyOptions {
  /** The port users browse to. */
  listenPort: number;
  /** How long a request may wait for the app before a 503 (e.g. 10000). */
  holdMs: number;
  /** Inject the live-reload script into HTML and serve /__gopher_reload/* (and <folder>/__gopher_reload/live.js, events). */
  liveReload: boolean;
  /**
   * Host names (besides loopback ones) allowed to see the proxy's own pages and endpoints: an
   * entry matches exactly, or with a leading `.` the name and all its subdomains (like Vite's
   * server.allowedHosts). From gopherReload.proxyAllowedHosts; absent means none.
   */
  allowedHosts?: string[];
  /** Puts the proxy's own sentences in the adapter's words (the CLI names its flags); EngineConfig.pageWords. */
  words?: (text: string) => string;
  /** Server timeouts; tests shorten them. Defaults: DEFAULT_TIMEOUTS. */
  timeouts?: Partial<ProxyTimeouts>;
  log?: Logger;
}

export interface ProxyTimeouts {
  /** A connection that has not sent a complete request head within this is closed (slowloris). */
  headersMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveMs: number;
  /** How often the server looks for connections past headersMs. */
  checkMs: number;
}

export type Upstream =
  /** Forward to 127.0.0.1:port. */
  | { kind: 'up'; port: number }
  /** Hold requests (and websocket upgrades) until 'up'. */
  | { kind: 'starting' }
  /**
   * The last build failed. `serving`: the port of the previous server, which still answers; API
   * and asset requests go on to it, page navigations get the build errors.
   */
  | { kind: 'failed'; problems: BuildProblem[]; output: string; serving?: number }
  /** Crashed / stopped: nothing to forward to. */
  | { kind: 'down'; title: string; detail: string };

const RETRY_MS = 50;

/**
 * A client that opens connections and never finishes a request head (slowloris) must not pin
 * file descriptors: Node closes a connection whose head is not complete within headersMs (408),
 * checked every checkMs, so within headersMs + checkMs. Idle keep-alive connections close after
 * keepAliveMs plus the second of slack Node adds (5 s is Node's default, announced to clients in
 * Keep-Alive: timeout=5 so they close first). Nothing limits a request once its head is in: a
 * slow upload or a long event stream is not an attack on a dev server.
 */
export const DEFAULT_TIMEOUTS: ProxyTimeouts = { headersMs: 30_000, keepAliveMs: 5_000, checkMs: 5_000 };

/** The port a request is forwarded to in this state: the server's, or the old one's while a failed build leaves it serving. */
function forwardPort(u: Upstream): number | undefined {
  if (u.kind === 'up') return u.port;
  if (u.kind === 'failed') return u.serving;
  return undefined;
}

/**
 * A page load (what gets the build errors while the old server serves): a GET or HEAD that
 * Sec-Fetch-Mode calls a navigation when the browser sends it (so a fetch() asking for HTML, as
 * htmx does, still goes to the app), or else that accepts HTML. A form POST goes on to the app:
 * it is not lost, and the page it answers gets the overlay through live.js.
 */
function isNavigation(req: http.IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const mode = req.headers['sec-fetch-mode'];
  return mode !== undefined ? mode === 'navigate' : acceptsHtml(req);
}

export class ReloadProxy {
  private readonly log: Logger;
  private readonly hub = new LiveReloadHub();
  private upstream: Upstream = { kind: 'starting' };
  private readonly agents = new UpstreamAgents();
  /** Set by drain(): new requests wait even though the upstream is still 'up'. */
  private draining = false;
  private readonly inFlight = new InFlight();
  private readonly jobs = new Set<Job>();
  private readonly waiting = new Set<Job>();
  private readonly counters: ProxyStats = { forwarded: 0, held: 0, maxHoldMs: 0, proxyErrors: 0 };
  /** The proxy as forwardHttp/forwardUpgrade see it (allowedHosts is read by proxyAnswer's pages). */
  private readonly host: JobHost & Required<Pick<Answering, 'allowedHosts' | 'words' | 'refusedHost'>> & Pick<Answering, 'fileLinks'>;
  /** Hosts already named in the log as refused (bounded: a rebinding page may try many). */
  private readonly warnedHosts = new Set<string>();
  private closing?: Promise<void>;
  /** The allowed hosts (a copy of the option: allowHost adds to it while the proxy runs). */
  private readonly allowed: string[];
  /** Whether the error page links file locations to VS Code (setFileLinks). */
  private fileLinks = true;

  private constructor(
    private readonly server: http.Server,
    private readonly opts: ProxyOptions,
    readonly port: number,
  ) {
    this.log = opts.log ?? silentLogger;
    this.allowed = [...(opts.allowedHosts ?? [])];
    const self = () => this;
    this.host = {
      get fileLinks() {
        return self().fileLinks;
      },
      get liveReload() {
        return opts.liveReload;
      },
      log: this.log,
      counters: this.counters,
      allowedHosts: this.allowed,
      words: opts.words ?? ((t: string) => t),
      refusedHost: (req) => this.noteRefused(req),
      beginFlight: () => this.inFlight.begin(),
      wait: (job, retryMs) => this.wait(job, retryMs),
      retryDelay: (failedPort) => this.retryDelay(failedPort),
    };
    server.on('request', (req, res) => this.onRequest(req, res));
    server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket as net.Socket, head));
  }

  /**
   * Starts listening on loopback only: the proxy shows build output and source paths, which are
   * nobody else's business (the app's own port is unchanged). Rejects with the listen error
   * (EADDRINUSE...) if it cannot.
   */
  static listen(o: ProxyOptions): Promise<ReloadProxy> {
    const t = { ...DEFAULT_TIMEOUTS, ...o.timeouts };
    const server = http.createServer({
      // No request timeout: a slow upload to a dev server is not an attack, and the app sets its own.
      requestTimeout: 0,
      headersTimeout: t.headersMs,
      keepAliveTimeout: t.keepAliveMs,
      connectionsCheckingInterval: t.checkMs,
      maxHeaderSize: MAX_HEADER_BYTES,
    });
    // Node keeps only the first 2000 headers and drops the rest without a word; Go keeps all
    // within its byte limit, so the proxy does too (MAX_HEADER_BYTES still bounds them).
    server.maxHeadersCount = 0;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: o.listenPort, host: '127.0.0.1' }, () => {
        server.off('error', reject);
        const proxy = new ReloadProxy(server, o, (server.address() as net.AddressInfo).port);
        proxy.log.trace(`proxy: listening on port ${proxy.port}${o.liveReload ? ' (live reload on)' : ''}`);
        resolve(proxy);
      });
    });
  }

  /**
   * 'up' releases held requests at once (on a fresh agent); 'failed'/'down' answer them with a
   * page ('failed' with `serving` forwards all but page navigations to the old server, and open
   * pages show the errors as an overlay).
   */
  setUpstream(u: Upstream): void {
    if (this.closing) return;
    const prev = this.upstream;
    const port = forwardPort(u);
    if (port !== undefined) {
      const same = forwardPort(prev) === port && !this.draining && this.agents.current;
      if (!same) this.agents.renew();
    } else {
      this.agents.retire();
    }
    this.draining = false;
    this.upstream = u;
    this.hub.setFailed(u.kind === 'failed' && u.serving !== undefined ? failedBuildSummary(u.problems, u.output) : undefined);
    this.log.trace(`proxy: upstream ${u.kind}${u.kind === 'up' ? ` on port ${u.port}` : ''} (${this.waiting.size} waiting, ${this.inFlight.count} in flight)`);
    if (u.kind === 'starting') return;
    for (const job of [...this.waiting]) {
      this.unwait(job);
      this.dispatch(job);
    }
  }

  /**
   * Holds new requests and resolves once every forwarded request has finished (or after
   * `timeoutMs`), so the engine can stop the old server without cutting an answer in half.
   */
  drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    this.inFlight.markStopping();
    this.agents.retire();
    if (this.closing) return Promise.resolve();
    return this.inFlight.idle(timeoutMs, () =>
      this.log.warn(`proxy: ${this.inFlight.waitedFor} request(s) still running after ${timeoutMs} ms; the server is stopped anyway`),
    );
  }

  /**
   * Tells every open page to reload itself; not while a failed build leaves the old server
   * serving: the pages keep their state and show the errors as an overlay (the hub sent them),
   * and the next good build's reload removes it.
   */
  reload(): void {
    const u = this.upstream;
    if (u.kind === 'failed' && u.serving !== undefined) return;
    this.hub.reload();
  }

  /**
   * Lets one more host name see the proxy's own pages from now on: the exact name (no port, no
   * subdomains) under which the editor forwards the proxy's port (ProxyLink.allowHost).
   */
  allowHost(name: string): void {
    if (!this.allowed.includes(name)) this.allowed.push(name);
  }

  /** Whether the error page links file locations to VS Code from now on (false in remote development: ProxyLink.setFileLinks). */
  setFileLinks(on: boolean): void {
    this.fileLinks = on;
  }

  stats(): ProxyStats {
    return { ...this.counters };
  }

  /** Stops listening and ends everything it holds, so nothing keeps the event loop alive. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.inFlight.release();
      for (const job of [...this.jobs]) this.abort(job);
      this.waiting.clear();
      this.hub.close();
      this.agents.destroy();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  // ---- requests -------------------------------------------------------------------------

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.opts.liveReload && liveResource(req.url)) {
      if (hostAllowed(req.headers.host, this.host.allowedHosts)) this.hub.handle(req, res);
      else this.refuseHost(req, res);
      return;
    }
    const job = newHttpJob(req, res, this.opts.holdMs, this.opts.liveReload);
    this.jobs.add(job);
    res.on('close', () => {
      job.done = true;
      this.jobs.delete(job);
      this.unwait(job);
      // The client left before its answer was complete: stop the app's side too.
      if (!res.writableFinished && !job.upstreamDone) job.upstream?.destroy();
    });
    this.dispatch(job);
  }

  private onUpgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const job = newUpgradeJob(req, socket, head, this.opts.holdMs);
    this.jobs.add(job);
    socket.on('close', () => {
      job.done = true;
      this.jobs.delete(job);
      this.unwait(job);
      job.upstream?.destroy();
    });
    this.dispatch(job);
  }

  /** A live-reload endpoint asked for under a Host that may not see it (DNS rebinding): the 403 line. */
  private refuseHost(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.noteRefused(req);
    const text = this.host.words(hostRefusedText(req.headers.host));
    res.writeHead(403, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-store',
      'Content-Security-Policy': RESOURCE_CSP,
      'X-Content-Type-Options': 'nosniff',
      'X-Gopher-Reload': 'host-not-allowed',
    });
    res.end(req.method === 'HEAD' ? undefined : text);
    // The request may have a body; read and drop it so the connection stays usable.
    req.resume();
  }

  /**
   * Says once per host name in the log that its requests for the proxy's pages were refused: a
   * remote-development user who never sees the 403 (live.js fails quietly) learns the setting.
   */
  private noteRefused(req: http.IncomingMessage): void {
    const name = hostName(req.headers.host) ?? '(none)';
    if (this.warnedHosts.has(name) || this.warnedHosts.size >= 20) return;
    this.warnedHosts.add(name);
    this.log.warn(
      this.host.words(
        `proxy: ${req.method} ${req.url} for Host "${name.slice(0, 200)}" got a 403: the proxy's own pages (build errors, live reload) answer only loopback hosts and those in gopherReload.proxyAllowedHosts. If you browse through a forwarded port under this name, add "${name.slice(0, 200)}" there.`,
      ),
    );
  }

  /** Sends a job where the upstream state says: forward, answer with a page, or wait. */
  private dispatch(job: Job): void {
    if (job.done) return;
    const u = this.upstream;
    const agent = this.agents.current;
    const port = forwardPort(u);
    // While a failed build leaves the old server serving, API calls, assets and websockets go on
    // to it; only a page navigation gets the errors (open pages get them as an overlay).
    const toOld = u.kind === 'failed' && !(job.kind === 'http' && isNavigation(job.req));
    // Draining: the server is about to be stopped for a new one; everything waits for that one.
    if (this.draining && port !== undefined) return this.wait(job);
    if (port !== undefined && (u.kind === 'up' || toOld)) {
      if (!agent) return this.wait(job);
      this.left(job);
      if (job.kind === 'http') forwardHttp(job, port, agent, this.host);
      else forwardUpgrade(job, port, this.host);
    } else if (u.kind === 'failed') {
      this.left(job);
      answerBuildFailed(this.host, job, u.problems, u.output);
    } else if (u.kind === 'down') {
      this.left(job);
      answerPage(this.host, job, 503, 'server-down', u.title, u.detail);
    } else {
      this.wait(job);
    }
  }

  /** Parks a job until the next setUpstream, its deadline, or (with retryMs) a retry. */
  private wait(job: Job, retryMs?: number): void {
    const left = job.deadline - Date.now();
    if (left <= 0) {
      this.left(job);
      const { title, detail } = notReadyDetail(this.opts.holdMs);
      this.log.warn(`proxy: ${job.req.method} ${job.req.url} answered 503: ${title}`);
      answerPage(this.host, job, 503, 'not-ready', title, detail);
      return;
    }
    if (!job.held) {
      job.held = true;
      this.counters.held++;
    }
    this.waiting.add(job);
    clearTimeout(job.timer);
    job.timer = setTimeout(
      () => {
        job.timer = undefined;
        this.waiting.delete(job);
        this.dispatch(job);
      },
      retryMs === undefined ? left : Math.min(retryMs, left),
    );
  }

  private unwait(job: Job): void {
    clearTimeout(job.timer);
    job.timer = undefined;
    this.waiting.delete(job);
  }

  /** The job stops waiting (forwarded or answered): record how long it waited. */
  private left(job: Job): void {
    if (job.held) this.counters.maxHoldMs = Math.max(this.counters.maxHoldMs, Date.now() - job.arrived);
  }

  /** While 'up', a failed attempt is retried shortly (at once if the app moved to another port); otherwise it waits for setUpstream. */
  private retryDelay(failedPort: number): number | undefined {
    const port = forwardPort(this.upstream);
    if (port === undefined || this.draining) return undefined;
    return port === failedPort ? RETRY_MS : 0;
  }

  private abort(job: Job): void {
    this.unwait(job);
    job.done = true;
    job.upstream?.destroy();
    if (job.kind === 'http') job.res.destroy();
    else job.socket.destroy();
    this.jobs.delete(job);
  }
}
