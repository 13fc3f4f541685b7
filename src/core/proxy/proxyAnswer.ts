import * as http from 'node:http';
import type { BuildProblem } from '../build/problem';
import { RESOURCE_CSP, acceptsHtml } from './liveReload';
import { PAGE_CSP, buildFailedHtml, buildFailedText, messageHtml, messageText } from './errorPage';
import { hostAllowed, hostRefusedText } from './proxyHosts';
import type { Job, JobHost } from './proxyJob';

/*
 * Responses the proxy writes itself instead of the app's: error pages for a failed build, a
 * stopped server, a hold that ran out or an upstream that could not be reached. HTML for a
 * browser (with live reload, so the page comes back by itself once fixed), text otherwise.
 * Only to a Host allowed to see them (proxyHosts.ts): any other gets a 403 line instead, since
 * these pages carry build output and source paths.
 */

/**
 * What answering needs from the proxy. allowedHosts is optional so forwarding code can pass its
 * JobHost as is; the proxy's JobHost object carries it (absent means loopback only).
 */
export type Answering = Pick<JobHost, 'liveReload' | 'counters'> & {
  readonly allowedHosts?: readonly string[];
  /** The adapter's words for the proxy's own sentences (the CLI names its flags). */
  readonly words?: (text: string) => string;
  /** Told of each refused request (the proxy logs the first per host). */
  readonly refusedHost?: (req: http.IncomingMessage) => void;
  /** False: the error page shows file locations as text, not vscode://file links (remote development). */
  readonly fileLinks?: boolean;
};

export function answerPage(host: Answering, job: Job, status: number, tag: string, title: string, detail: string): void {
  if (refused(host, job)) return;
  const html = job.kind === 'http' && acceptsHtml(job.req) ? messageHtml(title, detail, host.liveReload) : undefined;
  answer(host, job, status, tag, html, messageText(title, detail));
}

export function answerBuildFailed(host: Answering, job: Job, problems: BuildProblem[], output: string): void {
  if (refused(host, job)) return;
  const html = job.kind === 'http' && acceptsHtml(job.req) ? buildFailedHtml(problems, output, host.liveReload, host.fileLinks) : undefined;
  answer(host, job, 502, 'build-failed', html, buildFailedText(problems, output));
}

/** A Host that may not see our pages gets the 403 line (true); an allowed one nothing (false). */
export function refused(host: Answering, job: Job): boolean {
  if (hostAllowed(job.req.headers.host, host.allowedHosts)) return false;
  host.refusedHost?.(job.req);
  const text = hostRefusedText(job.req.headers.host);
  answer(host, job, 403, 'host-not-allowed', undefined, host.words ? host.words(text) : text);
  return true;
}

function answer(host: Answering, job: Job, status: number, tag: string, html: string | undefined, text: string): void {
  if (job.done) return;
  if (status >= 500) host.counters.proxyErrors++;
  const body = Buffer.from(html ?? text);
  const headers: Record<string, string | number> = {
    'Content-Type': html ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
    'Content-Security-Policy': html ? PAGE_CSP : RESOURCE_CSP,
    'X-Content-Type-Options': 'nosniff',
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
  // An upgrade has no ServerResponse: the answer goes out as raw HTTP on its socket.
  job.done = true;
  const head = [
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    'Connection: close',
    '',
    '',
  ].join('\r\n');
  job.socket.end(Buffer.concat([Buffer.from(head), body]));
}
