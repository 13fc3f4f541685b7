import * as http from 'node:http';
import * as net from 'node:net';
import type { BuildProblem } from './problem';
import { silentLogger, type Logger } from './log';
import { LiveReloadHub, MAX_INJECT_BYTES, acceptsHtml, injectScript, isInjectable } from './liveReload';
import { buildFailedHtml, buildFailedText, messageHtml, messageText, notReadyDetail } from './errorPage';

/**
 * The reverse proxy in front of the app: users browse to its port, it forwards to the app's.
 * While the app restarts (after every save) requests wait here and are forwarded once the new
 * server is ready, so a reload never shows the browser a refused connection or a failed fetch.
 *
 * Written on node:http and node:net instead of http-proxy (unmaintained since 2020) because the
 * whole point is control over *when* the upstream connection is made: hold a request until the
 * app is up, connect before consuming its body so a refused connect can be retried, retry
 * refused or reset connects, and drain in-flight requests before the old server is stopped.
 * We also rewrite HTML bodies (live-reload injection), which needs the response in our hands.
 */

export interface ProxyOptions {
  /** The port users browse to. */
  listenPort: number;
  /** How long a request may wait for the app before a 503 (e.g. 10000). */
  holdMs: number;
  /** Inject the live-reload script into HTML and serve /__gopher_reload/*. */
  liveReload: boolean;
  log?: Logger;
}

export type Upstream =
  /** Forward to 127.0.0.1:port. */
  | { kind: 'up'; port: number }
  /** Hold requests (and websocket upgrades) until 'up'. */
  | { kind: 'starting' }
  /** The last build failed. */
  | { kind: 'failed'; problems: BuildProblem[]; output: string }
  /** Crashed / stopped: nothing to forward to. */
  | { kind: 'down'; title: string; detail: string };

export interface ProxyStats {
  /** Responses relayed from the app (and upgrades it answered). */
  forwarded: number;
  /** Requests that had to wait at least once (cumulative). */
  held: number;
  /** The longest a request waited before it was forwarded or answered. */
  maxHoldMs: number;
  /** 5xx responses the proxy wrote itself (not the app's). */
  proxyErrors: number;
}

/** Errors that mean the app never saw the request (or dropped it unanswered): worth a retry. */
const RETRIABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);
/** Requests safe to send twice even after part of their body went out. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS']);
const RETRY_MS = 50;
/** An idempotent request's body is kept up to this size so a retry can send it again. */
const MAX_REPLAY_BYTES = 1024 * 1024;

/** Hop-by-hop headers (RFC 9110 §7.6.1) that describe our connection to the client, not the request. */
const HOP_REQUEST = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te', 'trailer', 'expect']);
// transfer-encoding stays on requests (Node re-chunks the decoded body when it sees it) but not on
// responses (Node picks chunked or close-delimited for each client itself).
const HOP_RESPONSE = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'transfer-encoding']);

/**
 * A keep-alive agent for one upstream server. Once retired (the server is about to stop or was
 * replaced) no socket goes back to its pool, so a connection to an old server is never reused.
 */
class UpstreamAgent extends http.Agent {
  private retired = false;

  constructor() {
    super({ keepAlive: true, scheduling: 'lifo' });
  }

  override keepSocketAlive(socket: net.Socket): boolean {
    if (this.retired) return false;
    // Node's returns true once it set keep-alive and unref'd the socket; its typings say void.
    return (super.keepSocketAlive(socket) as unknown) !== false;
  }

  retire(): void {
    this.retired = true;
    for (const list of Object.values(this.freeSockets)) for (const s of list ?? []) s.destroy();
  }

  get busy(): boolean {
    return Object.values(this.sockets).some((l) => (l?.length ?? 0) > 0);
  }
}

interface JobBase {
  readonly req: http.IncomingMessage;
  readonly arrived: number;
  readonly deadline: number;
  /** Counted in stats.held. */
  held: boolean;
  /** Hold deadline or retry timer while the job is in `waiting`. */
  timer?: NodeJS.Timeout;
  /** The client went away or was answered: nothing more to do. */
  done: boolean;
}

interface HttpJob extends JobBase {
  kind: 'http';
  readonly res: http.ServerResponse;
  readonly headers: string[];
  readonly hasBody: boolean;
  /** Body bytes read from the client so far. */
  bodySent: number;
  bodyEnded: boolean;
  /** Everything read of an idempotent request's body, for a retry; null once too big (or not idempotent). */
  replay: Buffer[] | null;
  replayBytes: number;
  upstream?: http.ClientRequest;
  upstreamDone: boolean;
  stopPump?: () => void;
}

interface UpgradeJob extends JobBase {
  kind: 'upgrade';
  readonly socket: net.Socket;
  readonly head: Buffer;
  readonly requestHead: Buffer;
  upstream?: net.Socket;
}

type Job = HttpJob | UpgradeJob;

export class ReloadProxy {
  private readonly log: Logger;
  private readonly hub = new LiveReloadHub();
  private upstream: Upstream = { kind: 'starting' };
  private agent?: UpstreamAgent;
  private readonly retired = new Set<UpstreamAgent>();
  /** Set by drain(): new requests wait even though the upstream is still 'up'. */
  private draining = false;
  private inFlight = 0;
  private readonly drainWaiters = new Set<() => void>();
  private readonly jobs = new Set<Job>();
  private readonly waiting = new Set<Job>();
  private readonly counters: ProxyStats = { forwarded: 0, held: 0, maxHoldMs: 0, proxyErrors: 0 };
  private closing?: Promise<void>;

  private constructor(
    private readonly server: http.Server,
    private readonly opts: ProxyOptions,
    readonly port: number,
  ) {
    this.log = opts.log ?? silentLogger;
    server.on('request', (req, res) => this.onRequest(req, res));
    server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket as net.Socket, head));
  }

  /** Starts listening on all interfaces (like the Go server would); rejects with the listen error (EADDRINUSE...) if it cannot. */
  static listen(o: ProxyOptions): Promise<ReloadProxy> {
    // No request timeout: a slow upload to a dev server is not an attack, and the app sets its own.
    const server = http.createServer({ requestTimeout: 0 });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: o.listenPort }, () => {
        server.off('error', reject);
        const proxy = new ReloadProxy(server, o, (server.address() as net.AddressInfo).port);
        proxy.log.trace(`proxy: listening on port ${proxy.port}${o.liveReload ? ' (live reload on)' : ''}`);
        resolve(proxy);
      });
    });
  }

  /** 'up' releases held requests at once (on a fresh agent); 'failed'/'down' answer them with a page. */
  setUpstream(u: Upstream): void {
    if (this.closing) return;
    const prev = this.upstream;
    if (u.kind === 'up') {
      const same = prev.kind === 'up' && prev.port === u.port && !this.draining && this.agent;
      if (!same) {
        this.retireAgent();
        this.agent = new UpstreamAgent();
      }
    } else {
      this.retireAgent();
    }
    this.draining = false;
    this.upstream = u;
    this.log.trace(`proxy: upstream ${u.kind}${u.kind === 'up' ? ` on port ${u.port}` : ''} (${this.waiting.size} waiting, ${this.inFlight} in flight)`);
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
    this.retireAgent();
    if (this.inFlight === 0 || this.closing) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.drainWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.log.warn(`proxy: ${this.inFlight} request(s) still running after ${timeoutMs} ms; the server is stopped anyway`);
        done();
      }, timeoutMs);
      this.drainWaiters.add(done);
    });
  }

  /** Tells every open page to reload itself. */
  reload(): void {
    this.hub.reload();
  }

  stats(): ProxyStats {
    return { ...this.counters };
  }

  /** Stops listening and ends everything it holds, so nothing keeps the event loop alive. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const done of [...this.drainWaiters]) done();
      for (const job of [...this.jobs]) this.abort(job);
      this.waiting.clear();
      this.hub.close();
      this.retireAgent();
      for (const a of this.retired) a.destroy();
      this.retired.clear();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  // ---- requests -------------------------------------------------------------------------

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.opts.liveReload && this.hub.handle(req, res)) return;
    const now = Date.now();
    const te = req.headers['transfer-encoding'];
    const len = req.headers['content-length'];
    const job: HttpJob = {
      kind: 'http',
      req,
      res,
      arrived: now,
      deadline: now + this.opts.holdMs,
      held: false,
      done: false,
      headers: forwardHeaders(req, false, this.opts.liveReload && acceptsHtml(req)),
      hasBody: te !== undefined || (len !== undefined && len !== '0'),
      bodySent: 0,
      bodyEnded: false,
      replay: IDEMPOTENT.has(req.method ?? '') ? [] : null,
      replayBytes: 0,
      upstreamDone: false,
    };
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
    const now = Date.now();
    const job: UpgradeJob = {
      kind: 'upgrade',
      req,
      socket,
      head,
      requestHead: requestHead(req),
      arrived: now,
      deadline: now + this.opts.holdMs,
      held: false,
      done: false,
    };
    this.jobs.add(job);
    socket.on('close', () => {
      job.done = true;
      this.jobs.delete(job);
      this.unwait(job);
      job.upstream?.destroy();
    });
    this.dispatch(job);
  }

  /** Sends a job where the upstream state says: forward, answer with a page, or wait. */
  private dispatch(job: Job): void {
    if (job.done) return;
    const u = this.upstream;
    if (u.kind === 'up' && !this.draining && this.agent) {
      this.left(job);
      if (job.kind === 'http') this.forwardHttp(job, u.port, this.agent);
      else this.forwardUpgrade(job, u.port);
    } else if (u.kind === 'failed') {
      this.left(job);
      const html = job.kind === 'http' && acceptsHtml(job.req) ? buildFailedHtml(u.problems, u.output, this.opts.liveReload) : undefined;
      this.answer(job, 502, 'build-failed', html, buildFailedText(u.problems, u.output));
    } else if (u.kind === 'down') {
      this.left(job);
      this.answerPage(job, 503, 'server-down', u.title, u.detail);
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
      this.answerPage(job, 503, 'not-ready', title, detail);
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

  private forwardHttp(job: HttpJob, port: number, agent: UpstreamAgent): void {
    const { req, res } = job;
    this.inFlight++;
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      this.inFlight--;
      if (this.inFlight === 0) for (const done of [...this.drainWaiters]) done();
    };
    let responded = false;
    const up = http.request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: job.headers, agent, setHost: false });
    job.upstream = up;
    up.setNoDelay(true);
    if (!job.hasBody) up.end();
    else
      up.once('socket', (s: net.Socket) => {
        // A body is consumed only once the app accepted the connection: a refused connect leaves it
        // unread, so the request can wait for the next server and go there whole.
        if (s.connecting) s.once('connect', () => this.pumpBody(job, up));
        else this.pumpBody(job, up);
      });

    up.on('response', (pres) => {
      responded = true;
      this.counters.forwarded++;
      pres.on('end', () => {
        job.upstreamDone = true;
        settle();
      });
      pres.on('close', () => {
        settle();
        // The app died mid-answer: cut the client's response too, so it is not taken as complete.
        if (!pres.complete) res.destroy();
      });
      this.relay(job, pres);
    });
    up.on('close', settle);
    up.on('error', (err: NodeJS.ErrnoException) => {
      job.stopPump?.();
      job.stopPump = undefined;
      settle();
      if (job.done) return;
      if (responded || res.headersSent) {
        res.destroy();
        return;
      }
      const method = req.method ?? 'GET';
      const resendable = job.bodySent === 0 || (IDEMPOTENT.has(method) && job.replay !== null);
      if (RETRIABLE.has(err.code ?? '') && resendable) {
        this.log.trace(`proxy: ${method} ${req.url}: ${err.code} from port ${port}; waiting for the server`);
        this.wait(job, this.retryDelay(port));
        return;
      }
      const why =
        job.bodySent > 0
          ? `The app closed the connection (${err.code ?? err.message}) after part of the ${method} request body was sent, so the request was not retried (it may not be safe to send twice).`
          : `The app could not be reached: ${err.code ?? err.message}.`;
      this.log.warn(`proxy: ${method} ${req.url} answered 502: ${why}`);
      this.answerPage(job, 502, 'upstream-error', 'The request could not be forwarded to the app', why);
    });
  }

  /** Streams the client's body to the app, with backpressure, replaying what a failed attempt already read. */
  private pumpBody(job: HttpJob, up: http.ClientRequest): void {
    if (job.done || up.destroyed) return;
    const { req } = job;
    if (job.replay) for (const c of job.replay) up.write(c);
    if (job.bodyEnded) {
      up.end();
      return;
    }
    const onData = (c: Buffer) => {
      job.bodySent += c.length;
      if (job.replay) {
        job.replayBytes += c.length;
        if (job.replayBytes > MAX_REPLAY_BYTES) job.replay = null;
        else job.replay.push(c);
      }
      if (!up.write(c)) req.pause();
    };
    const onDrain = () => req.resume();
    const onEnd = () => {
      job.bodyEnded = true;
      job.stopPump = undefined;
      up.end();
    };
    req.on('data', onData);
    req.once('end', onEnd);
    up.on('drain', onDrain);
    job.stopPump = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      up.off('drain', onDrain);
      req.pause();
    };
    req.resume();
  }

  /** Passes the app's response on: streamed as it comes, or buffered to inject the live-reload script. */
  private relay(job: HttpJob, pres: http.IncomingMessage): void {
    const { req, res } = job;
    const status = pres.statusCode ?? 502;
    if (!(this.opts.liveReload && isInjectable(req.method, status, pres.headers))) {
      res.writeHead(status, pres.statusMessage || undefined, responseHeaders(pres, false));
      // Streams of unknown length (chunked, SSE, long-poll) get their head out now, not with the first chunk.
      if (pres.headers['content-length'] === undefined) res.flushHeaders();
      pres.pipe(res);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      chunks.push(c);
      size += c.length;
      if (size <= MAX_INJECT_BYTES) return;
      // Too big to be worth rewriting: send what we have and stream the rest untouched.
      pres.off('data', onData);
      pres.off('end', onEnd);
      res.writeHead(status, pres.statusMessage || undefined, responseHeaders(pres, false));
      for (const b of chunks) res.write(b);
      chunks.length = 0;
      pres.pipe(res);
    };
    const onEnd = () => {
      const body = injectScript(Buffer.concat(chunks));
      res.writeHead(status, pres.statusMessage || undefined, [...responseHeaders(pres, true), 'Content-Length', String(body.length)]);
      res.end(body);
    };
    pres.on('data', onData);
    pres.on('end', onEnd);
  }

  private forwardUpgrade(job: UpgradeJob, port: number): void {
    const { socket } = job;
    const up = net.connect({ host: '127.0.0.1', port });
    job.upstream = up;
    let answered = false;
    let over = false;
    let clientBytes = 0;
    const countClient = (c: Buffer) => (clientBytes += c.length);
    up.setNoDelay(true);
    up.once('connect', () => {
      up.write(job.requestHead);
      if (job.head.length) up.write(job.head);
      socket.on('data', countClient);
      socket.pipe(up);
    });
    // Piped back only from the first answer byte on: a connection the app closes without a word
    // must not end the client's socket, which waits for the next server instead.
    up.once('data', (first: Buffer) => {
      answered = true;
      this.counters.forwarded++;
      socket.off('data', countClient);
      socket.write(first);
      up.pipe(socket);
    });
    const failed = (err?: NodeJS.ErrnoException) => {
      if (over) return;
      over = true;
      if (job.done) return;
      if (answered) {
        // A clean close was passed on by pipe (the client gets its end); an error cuts the tunnel.
        if (err) socket.destroy();
        return;
      }
      socket.unpipe(up);
      socket.off('data', countClient);
      socket.pause();
      up.destroy();
      // The request head (and `head`) are sent again on the next attempt; bytes the client sent
      // after them went to the failed connection and cannot be, so then it is a 502.
      if (clientBytes === 0 && (!err || RETRIABLE.has(err.code ?? ''))) {
        this.wait(job, this.retryDelay(port));
      } else {
        this.answerPage(job, 502, 'upstream-error', 'The upgrade could not be forwarded to the app', `The app closed the connection (${err?.code ?? 'no answer'}).`);
      }
    };
    up.on('error', failed);
    // The app closed without answering (it was stopping): same as a reset.
    up.on('close', () => failed());
  }

  /** While 'up', a failed attempt is retried shortly (at once if the app moved to another port); otherwise it waits for setUpstream. */
  private retryDelay(failedPort: number): number | undefined {
    const u = this.upstream;
    if (u.kind !== 'up' || this.draining) return undefined;
    return u.port === failedPort ? RETRY_MS : 0;
  }

  // ---- answers written by the proxy ------------------------------------------------------

  private answerPage(job: Job, status: number, tag: string, title: string, detail: string): void {
    const html = job.kind === 'http' && acceptsHtml(job.req) ? messageHtml(title, detail, this.opts.liveReload) : undefined;
    this.answer(job, status, tag, html, messageText(title, detail));
  }

  private answer(job: Job, status: number, tag: string, html: string | undefined, text: string): void {
    if (job.done) return;
    if (status >= 500) this.counters.proxyErrors++;
    const body = Buffer.from(html ?? text);
    const headers: Record<string, string | number> = {
      'Content-Type': html ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8',
      'Content-Length': body.length,
      'Cache-Control': 'no-store',
      'X-Gopher-Reload': tag,
    };
    if (job.kind === 'http') {
      if (job.res.headersSent) {
        job.res.destroy();
        return;
      }
      job.res.writeHead(status, headers);
      job.res.end(job.req.method === 'HEAD' ? undefined : body);
      // A body we stopped reading halfway would leave the connection stuck; read and drop the rest.
      job.stopPump?.();
      job.stopPump = undefined;
      if (job.hasBody && !job.bodyEnded) job.req.resume();
      return;
    }
    job.done = true;
    const head = [`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), 'Connection: close', '', ''].join('\r\n');
    job.socket.end(Buffer.concat([Buffer.from(head), body]));
  }

  private abort(job: Job): void {
    this.unwait(job);
    job.done = true;
    if (job.kind === 'http') {
      job.upstream?.destroy();
      job.res.destroy();
    } else {
      job.upstream?.destroy();
      job.socket.destroy();
    }
    this.jobs.delete(job);
  }

  private retireAgent(): void {
    const a = this.agent;
    this.agent = undefined;
    for (const old of this.retired) if (!old.busy) this.retired.delete(old);
    if (!a) return;
    a.retire();
    if (a.busy) this.retired.add(a);
  }
}

/** The request's headers as sent by the client, minus hop-by-hop ones, plus X-Forwarded-*. */
function forwardHeaders(req: http.IncomingMessage, upgrade: boolean, dropAcceptEncoding: boolean): string[] {
  const named = connectionTokens(req.headers.connection);
  const raw = req.rawHeaders;
  const out: string[] = [];
  let xff: string | undefined;
  let proto = false;
  let host = false;
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i].toLowerCase();
    if (lower === 'x-forwarded-for') {
      xff = xff ? `${xff}, ${raw[i + 1]}` : raw[i + 1];
      continue;
    }
    // An upgrade needs its Connection/Upgrade headers: the app must see what the client asked for.
    if (!upgrade && (HOP_REQUEST.has(lower) || named.has(lower))) continue;
    // So HTML comes back uncompressed and the live-reload script can go in.
    if (dropAcceptEncoding && lower === 'accept-encoding') continue;
    if (lower === 'x-forwarded-proto') proto = true;
    if (lower === 'x-forwarded-host') host = true;
    out.push(raw[i], raw[i + 1]);
  }
  const client = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  out.push('X-Forwarded-For', xff ? `${xff}, ${client}` : client);
  if (!proto) out.push('X-Forwarded-Proto', 'http');
  if (!host && req.headers.host) out.push('X-Forwarded-Host', req.headers.host);
  return out;
}

/** The app's response headers minus hop-by-hop ones (and Content-Length when we rewrite the body). */
function responseHeaders(pres: http.IncomingMessage, dropLength: boolean): string[] {
  const named = connectionTokens(pres.headers.connection);
  const raw = pres.rawHeaders;
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i].toLowerCase();
    if (HOP_RESPONSE.has(lower) || named.has(lower) || (dropLength && lower === 'content-length')) continue;
    out.push(raw[i], raw[i + 1]);
  }
  return out;
}

function connectionTokens(v: string | undefined): Set<string> {
  const s = new Set<string>();
  if (!v) return s;
  for (const t of v.split(',')) {
    const name = t.trim().toLowerCase();
    if (name && name !== 'close' && name !== 'keep-alive' && name !== 'upgrade') s.add(name);
  }
  return s;
}

/** The upgrade request as raw bytes, for a connection we pipe ourselves. */
function requestHead(req: http.IncomingMessage): Buffer {
  const h = forwardHeaders(req, true, false);
  let head = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
  for (let i = 0; i < h.length; i += 2) head += `${h[i]}: ${h[i + 1]}\r\n`;
  return Buffer.from(`${head}\r\n`, 'latin1');
}
