import * as http from 'node:http';
import * as https from 'node:https';
import { canConnect, cheapListenerScan, ownListeners } from './ports';
import { sleep } from './processTree';

/*
 * How we know the new server is ready, in order of preference: a health URL that answers, a log
 * line the user named, a configured port that accepts connections, or (nothing configured) a
 * port one of the server's own processes listens on, found afresh at every start (a server may
 * change its port between saves). A port named in the output is only a hint to choose among the
 * server's own listeners, never a claim: logs also name databases, front-ends and clock times.
 * A process that is alive and listens on nothing after a grace period is a worker: ready, no port.
 */
export type ReadyResult =
  /** listeners: every TCP port the tree listened on when it was detected (the next start waits until they are free). */
  | { ready: true; port?: number; via: 'health' | 'pattern' | 'port' | 'detected' | 'no-port'; listeners?: number[] }
  | { ready: false; reason: 'timeout' | 'exited' | 'aborted' | 'superseded' };

export interface ReadinessOptions {
  port?: number;
  healthUrl?: string;
  readyPattern?: RegExp;
  timeoutMs: number;
  /** Server output so far; the probe re-reads it (bounded ring) on each poll. */
  outputTail: () => string[];
  /** Live pids of the server tree, for socket discovery. */
  members: () => number[];
  /** Resolves when the server exits or the wait is cancelled. */
  exited: Promise<unknown>;
  aborted: () => boolean;
  /** True when the engine has newer work: the wait ends at once and leaves the server running. */
  superseded?: () => boolean;
  /** The port the previous server was ready on: a hint among the new tree's listeners, never probed blindly. */
  previousPort?: number;
  /** The port the server was told in its environment (PORT): the first hint among its listeners. */
  givenPort?: number;
  /** How long an alive process may listen on nothing before it counts as a worker (no port). */
  noPortGraceMs?: number;
  /**
   * False under a debugger: choosing among listeners never sends the app a request (a GET / of
   * ours would stop at the user's breakpoint in that handler).
   */
  probeHttp?: boolean;
  /**
   * With `port`: called once when the server's own tree has listened only on other ports for
   * ELSEWHERE_GRACE_MS (an app that ignores the port it was given: Gin's `r.Run(":8080")`), so the
   * user hears it now, not after startupTimeoutMs. The wait goes on: a server that opens a metrics
   * port first and the given one later still becomes ready.
   */
  onElsewhere?: (ports: number[]) => void;
}

/** A worker, queue consumer or unix-socket server is "running (no port)" after this long without a TCP listener. */
export const NO_PORT_GRACE_MS = 1500;
/** Listening on other ports than the given one for this long is worth saying (the wait goes on). */
export const ELSEWHERE_GRACE_MS = 1000;
/** With one listener that does not answer `/` with a success, wait this long for another to appear. */
const SETTLE_MS = 150;

const HOST = String.raw`(?:localhost|\d{1,3}(?:\.\d{1,3}){3}|0\.0\.0\.0|\[[0-9a-fA-F:.]*\]|[a-zA-Z][\w-]*(?:\.[\w-]+)*)`;
/**
 * A port after a colon that follows a host, or a colon that follows whitespace, `=` or a quote
 * (`addr=:8080`): never a colon between digits, so clock times (12:30:45) are not ports.
 */
const PORT_LINE = [
  /Listening and serving HTTPS? on [^\s]*:(\d{2,5})\b/, // Gin
  new RegExp(String.raw`\b(?:listen(?:ing)?|serv(?:e|er|ing)|started)\b[^\n]*?(?:(?:https?://)?${HOST}|(?:^|[\s=("'])):(\d{2,5})(?![\d:])`, 'i'),
  new RegExp(String.raw`https?://${HOST}:(\d{2,5})(?!\d)`, 'i'),
];

/** The port a log line names, if any ("Listening and serving HTTP on :8080"): a hint only. */
export function portFromLine(line: string): number | undefined {
  for (const re of PORT_LINE) {
    const m = re.exec(line);
    if (m?.[1]) {
      const p = Number(m[1]);
      if (p > 0 && p < 65536) return p;
    }
  }
  return undefined;
}

/** Ports the output names, newest line first (each once). */
export function hintedPorts(lines: string[]): number[] {
  const out: number[] = [];
  for (let i = lines.length - 1; i >= 0; i--) {
    const p = portFromLine(lines[i]);
    if (p !== undefined && !out.includes(p)) out.push(p);
  }
  return out;
}

/**
 * Chooses the server's port among its own listeners, one start at a time: the newest hinted port
 * it listens on, else the previous start's port if it listens there again, else the one that
 * answers `/` with a success, else any HTTP answer, else the first that appeared. Never the
 * lowest by rule: a metrics port often is.
 */
export class PortPicker {
  private readonly seen: number[] = [];
  private readonly status = new Map<number, Promise<number | undefined>>();
  private firstSeenAt?: number;

  constructor(
    private readonly previousPort?: number,
    private readonly probeHttp = true,
  ) {}

  /** The chosen port, or undefined to look again later (nothing listens yet, or it may still change). */
  async pick(own: number[], hints: number[]): Promise<number | undefined> {
    if (own.length === 0) return undefined;
    for (const p of own) if (!this.seen.includes(p)) this.seen.push(p);
    this.firstSeenAt ??= performance.now();
    const hinted = hints.find((h) => own.includes(h));
    if (hinted !== undefined) return hinted;
    if (this.previousPort !== undefined && own.includes(this.previousPort)) return this.previousPort;
    const ordered = this.seen.filter((p) => own.includes(p));
    if (!this.probeHttp) return ordered.length === 1 || performance.now() - this.firstSeenAt >= SETTLE_MS ? ordered[0] : undefined;
    const answers = await Promise.all(ordered.map((p) => this.httpStatus(p)));
    const ok = ordered.find((_, i) => answers[i] !== undefined && answers[i]! < 400);
    if (ok !== undefined) return ok;
    // Another listener may be about to appear (the HTTP one after a metrics one): wait a little.
    if (performance.now() - this.firstSeenAt < SETTLE_MS) return undefined;
    return ordered.find((_, i) => answers[i] !== undefined) ?? ordered[0];
  }

  /** One GET / per port per start (any HTTP status; undefined: not HTTP, or no answer). */
  private httpStatus(port: number): Promise<number | undefined> {
    let s = this.status.get(port);
    if (!s) {
      s = httpStatus(port);
      this.status.set(port, s);
      // A port that did not answer yet (still starting) is asked again on a later poll.
      void s.then((v) => v === undefined && this.status.delete(port));
    }
    return s;
  }
}

function httpStatus(port: number, timeoutMs = 300): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: '/', timeout: timeoutMs, agent: false, headers: { 'user-agent': 'gopher-reload-readiness' } },
      (res) => {
        res.resume();
        resolve(res.statusCode);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

export async function waitReady(o: ReadinessOptions): Promise<ReadyResult> {
  let exited = false;
  void o.exited.then(() => (exited = true));
  const t0 = performance.now();
  const deadline = t0 + o.timeoutMs;
  const grace = o.noPortGraceMs ?? NO_PORT_GRACE_MS;
  const picker = new PortPicker(o.previousPort, o.probeHttp ?? true);
  // The previous port is knocked on cheaply every poll; a connection is then checked against the
  // tree's own sockets (it may be someone else's by now), once.
  let knockPrevious = o.previousPort !== undefined && cheapListenerScan;
  let lastScan = -Infinity;
  const elsewhere = o.port !== undefined && o.onElsewhere ? new ElsewhereWatch(o.port, o.members, o.onElsewhere) : undefined;
  while (performance.now() < deadline) {
    if (o.aborted()) return { ready: false, reason: 'aborted' };
    if (exited) return { ready: false, reason: 'exited' };
    if (o.superseded?.()) return { ready: false, reason: 'superseded' };
    if (o.healthUrl) {
      if (await healthOk(o.healthUrl)) return { ready: true, port: o.port ?? urlPort(o.healthUrl), via: 'health' };
    } else if (o.readyPattern) {
      const tail = o.outputTail();
      if (tail.some((l) => o.readyPattern!.test(l))) {
        const own = ownListeners(o.members()) ?? [];
        const hinted = hintedPorts(tail).find((h) => own.includes(h));
        return { ready: true, port: o.port ?? hinted ?? (own.length === 1 ? own[0] : undefined), via: 'pattern' };
      }
    } else if (o.port !== undefined) {
      if (await canConnect(o.port, 100)) return { ready: true, port: o.port, via: 'port' };
      if (!exited) elsewhere?.poll();
    } else {
      const now = performance.now();
      const knocked = knockPrevious && (await canConnect(o.previousPort!, 50));
      // /proc scans cost about a millisecond: every 10 ms at most; lsof/netstat: every 250 ms.
      if (knocked || now - lastScan >= (cheapListenerScan ? 10 : 250)) {
        lastScan = now;
        const own = ownListeners(o.members());
        if (knocked && !own?.includes(o.previousPort!)) knockPrevious = false;
        if (own === undefined) {
          // No way to list sockets here: a hinted port that accepts is the best we have.
          const hinted = hintedPorts(o.outputTail())[0];
          if (hinted !== undefined && (await canConnect(hinted, 100))) return { ready: true, port: hinted, via: 'detected' };
        } else {
          const hints = hintedPorts(o.outputTail());
          const port = await picker.pick(own, o.givenPort !== undefined ? [o.givenPort, ...hints] : hints);
          if (port !== undefined && !exited) return { ready: true, port, via: 'detected', listeners: own };
        }
        if ((own === undefined || own.length === 0) && now - t0 >= grace && !exited) return { ready: true, via: 'no-port' };
      }
    }
    await Promise.race([sleep(o.port !== undefined || knockPrevious ? 2 : o.healthUrl ? 5 : 10), o.exited]);
  }
  return { ready: false, reason: 'timeout' };
}

/** Notices, once, a tree that listens on ports but not on the one it was given (scans throttled). */
class ElsewhereWatch {
  private since?: number;
  private lastScan = -Infinity;
  private said = false;

  constructor(
    private readonly port: number,
    private readonly members: () => number[],
    private readonly report: (ports: number[]) => void,
  ) {}

  poll(): void {
    const now = performance.now();
    // The given port is knocked on every few ms; the tree's sockets are listed far less often.
    if (this.said || now - this.lastScan < (cheapListenerScan ? 100 : 500)) return;
    this.lastScan = now;
    const own = ownListeners(this.members());
    if (own === undefined) return; // no way to list sockets: the timeout says it
    const others = own.filter((p) => p !== this.port);
    // Listening on the given port too (maybe on an address the knock does not reach): not elsewhere.
    if (others.length === 0 || own.includes(this.port)) {
      this.since = undefined;
      return;
    }
    this.since ??= now;
    if (now - this.since < ELSEWHERE_GRACE_MS) return;
    this.said = true;
    this.report(others);
  }
}

/**
 * After a "running (no port)" start: watches the tree's own sockets until it listens (a slow
 * server) or `until` passes. Resolves with the port, or undefined (stopped, or still no port).
 */
export async function watchForListener(
  members: () => number[],
  outputTail: () => string[],
  until: number,
  stopped: () => boolean,
  /** Only this port (the one in the server's PORT): resolves once the tree listens there. */
  want?: number,
): Promise<number | undefined> {
  const picker = new PortPicker();
  while (performance.now() < until && !stopped()) {
    const own = ownListeners(members());
    if (own === undefined) return undefined;
    const port = want === undefined ? await picker.pick(own, hintedPorts(outputTail())) : own.includes(want) ? want : undefined;
    if (port !== undefined && !stopped()) return port;
    await sleep(own.length ? 20 : 250);
  }
  return undefined;
}

function urlPort(u: string): number | undefined {
  const url = new URL(u);
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/** One GET: any status below 400 is healthy (redirects count, 5xx and connection errors do not). */
export function healthOk(url: string, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const req = (url.startsWith('https:') ? https : http).get(url, { timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 400);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}
