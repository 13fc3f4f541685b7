import * as http from 'node:http';
import * as https from 'node:https';
import { canConnect, listeningPortsOf } from './ports';
import { sleep } from './processTree';

/**
 * How we know the new server is ready, in order of preference: a health URL that answers,
 * a log line the user named, a configured port that accepts connections, or (nothing configured)
 * a port we discover: from the server's own "listening on :8080" line (Gin prints one), or from
 * the sockets its processes listen on (Linux /proc), so a silent net/http server works too.
 */
export type ReadyResult =
  | { ready: true; port?: number; via: 'health' | 'pattern' | 'port' | 'detected' }
  | { ready: false; reason: 'timeout' | 'exited' | 'aborted' };

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
}

const PORT_LINE = [
  /Listening and serving HTTPS? on [^\s]*:(\d{2,5})\b/, // Gin
  /\b(?:listen(?:ing)?|serv(?:e|ing)|started)\b[^\n]*?(?:https?:\/\/)?(?:localhost|[\d.]+|\[[:\w]*\])?:(\d{2,5})\b/i,
  /https?:\/\/(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1?\])(?::(\d{2,5}))/i,
];

/** The port a log line announces, if any ("Listening and serving HTTP on :8080"). */
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

export async function waitReady(o: ReadinessOptions): Promise<ReadyResult> {
  let exited = false;
  void o.exited.then(() => (exited = true));
  const deadline = performance.now() + o.timeoutMs;
  let tick = 0;
  while (performance.now() < deadline) {
    if (o.aborted()) return { ready: false, reason: 'aborted' };
    if (exited) return { ready: false, reason: 'exited' };
    if (o.healthUrl) {
      if (await healthOk(o.healthUrl)) return { ready: true, port: o.port ?? urlPort(o.healthUrl), via: 'health' };
    } else if (o.readyPattern) {
      const tail = o.outputTail();
      if (tail.some((l) => o.readyPattern!.test(l))) {
        return { ready: true, port: o.port ?? detectFromLines(tail), via: 'pattern' };
      }
    } else if (o.port !== undefined) {
      if (await canConnect(o.port, 100)) return { ready: true, port: o.port, via: 'port' };
    } else {
      const announced = detectFromLines(o.outputTail());
      const found = announced ?? (tick % 2 === 0 ? listeningPortsOf(o.members())[0] : undefined);
      if (found !== undefined && (await canConnect(found, 100))) return { ready: true, port: found, via: 'detected' };
    }
    tick++;
    await Promise.race([sleep(o.port !== undefined ? 2 : o.healthUrl ? 5 : 10), o.exited]);
  }
  return { ready: false, reason: 'timeout' };
}

function detectFromLines(lines: string[]): number | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const p = portFromLine(lines[i]);
    if (p !== undefined) return p;
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
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.get(url, { timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 400);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}
