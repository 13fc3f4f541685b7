import * as http from 'node:http';
import type * as net from 'node:net';
import { answerPage } from './proxyAnswer';
import { scriptInjector, shouldInject } from './proxyInject';
import { IDEMPOTENT, RETRIABLE, type HttpJob, type JobHost } from './proxyJob';
import { MAX_HEADER_BYTES, responseHeaders } from './proxyHeaders';

/*
 * Forwarding one HTTP request to the app: connect before consuming the body, retry what the app
 * never saw (and idempotent requests it never answered), and stream the response on, with the
 * live-reload script injected into pages as they pass.
 */

/** An idempotent request's body is kept up to this size so a retry can send it again. */
const MAX_REPLAY_BYTES = 1024 * 1024;

export function forwardHttp(job: HttpJob, port: number, agent: http.Agent, host: JobHost): void {
  const { req, res } = job;
  const method = req.method ?? 'GET';
  const flight = host.beginFlight();
  // Once connected, the request head is on its way and the app may run the handler: from then on
  // only an idempotent request may be sent again, and only while no answer byte came back.
  let sent = false;
  let responded = false;
  const resendable = () => !responded && IDEMPOTENT.has(method) && (job.bodySent === 0 || job.replay !== null);
  flight.retriable = resendable;
  // Response heads as large as the client side accepts (Go sends up to 1 MB; Node's default is 16 KB).
  // An HTTP/1.0 client may send no Host; the app is spoken to in HTTP/1.1, where Go requires one.
  const headers = req.headers.host === undefined ? [...job.headers, 'Host', `127.0.0.1:${port}`] : job.headers;
  const up = http.request({ host: '127.0.0.1', port, method, path: req.url, headers, agent, setHost: false, maxHeaderSize: MAX_HEADER_BYTES });
  job.upstream = up;
  up.setNoDelay(true);
  up.once('socket', (s: net.Socket) => {
    // A body is consumed only once the app accepted the connection: a refused connect leaves it
    // unread, so the request can wait for the next server and go there whole.
    const connected = () => {
      sent = true;
      if (job.hasBody) pumpBody(job, up);
    };
    if (s.connecting) s.once('connect', connected);
    else connected(); // a kept-alive connection: the head goes out at once
  });
  if (!job.hasBody) up.end();

  up.on('response', (pres) => {
    responded = true;
    host.counters.forwarded++;
    flight.responded(pres.headers['content-type']);
    pres.on('end', () => {
      job.upstreamDone = true;
      flight.settle();
    });
    pres.on('close', () => {
      flight.settle();
      // The app died mid-answer: cut the client's response too, so it is not taken as complete.
      if (!pres.complete) res.destroy();
    });
    relay(job, pres, host.liveReload);
  });
  up.on('close', () => flight.settle());
  up.on('error', (err: NodeJS.ErrnoException) => {
    job.stopPump?.();
    job.stopPump = undefined;
    flight.settle();
    if (job.done) return;
    if (responded || res.headersSent) {
      res.destroy();
      return;
    }
    const code = err.code ?? err.message;
    // Not connected (refused, unreachable, timed out): the app never saw it, whatever the method.
    // Connected and cut before any answer: resent (idempotent only) when a reload stopped the
    // server, or once when a kept-alive connection was already closed by the app. Never when the
    // app died on its own: the request may be what crashed it, and resending it into every crash
    // restart would keep the server down.
    const staleSocket = up.reusedSocket && !job.resentOnStaleSocket;
    if (!sent || (RETRIABLE.has(err.code ?? '') && resendable() && (flight.stoppedByUs || staleSocket))) {
      if (sent && staleSocket && !flight.stoppedByUs) job.resentOnStaleSocket = true;
      host.log.trace(`proxy: ${method} ${req.url}: ${code} from port ${port}${sent ? ' before any answer' : ''}; waiting for the server`);
      host.wait(job, host.retryDelay(port));
      return;
    }
    const why = notResent(job, method, code);
    host.log.warn(`proxy: ${method} ${req.url} answered 502: ${why}`);
    answerPage(host, job, 502, 'upstream-error', 'The request could not be forwarded to the app', why);
  });
}

/** Why a request the app received was answered 502 instead of being sent again: what was sent, and why it was not resent. */
function notResent(job: HttpJob, method: string, code: string): string {
  const closed = `The app closed the connection (${code})`;
  const total = Number(job.req.headers['content-length']);
  const what = !job.hasBody
    ? `after the ${method} request was sent to it and before it answered`
    : job.bodyEnded
      ? `after the whole ${method} request body (${job.bodySent} bytes) was sent and before it answered`
      : `after ${job.bodySent}${total > 0 ? ` of ${total}` : ''} bytes of the ${method} request body were sent`;
  // A parse error (HPE_*) or anything else: the app answered something we could not read.
  if (!RETRIABLE.has(code))
    return `The app's answer could not be read (${code}) ${what.replace(/ and before it answered$/, '')}. The request was not sent again.`;
  if (IDEMPOTENT.has(method) && job.hasBody && job.replay === null) {
    return `${closed} ${what}. The body was over ${MAX_REPLAY_BYTES / 1024 / 1024} MB, too big to keep for a resend, so the request was not sent again.`;
  }
  if (IDEMPOTENT.has(method)) {
    return `${closed} ${what}, on its own (not stopped for a reload), so the request was not sent again: it may be what made the app fail. Check the app's output.`;
  }
  return `${closed} ${what}. The request was not sent again: the app may already have run it, and a ${method} is not safe to run twice. Check whether it took effect before sending it again.`;
}

/** Streams the client's body to the app, with backpressure, replaying what a failed attempt already read. */
function pumpBody(job: HttpJob, up: http.ClientRequest): void {
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

/** Passes the app's response on as it comes, through the live-reload injector when it is a page. */
function relay(job: HttpJob, pres: http.IncomingMessage, liveReload: boolean): void {
  const { req, res } = job;
  const status = pres.statusCode ?? 502;
  const inject = liveReload && shouldInject(req.method, status, pres.headers);
  // An injected body is longer than the app said: its Content-Length goes, and Node sends it chunked.
  res.writeHead(status, pres.statusMessage || undefined, responseHeaders(pres, inject));
  // Streams of unknown length (chunked, SSE, long-poll) get their head out now, not with the first chunk.
  if (inject || pres.headers['content-length'] === undefined) res.flushHeaders();
  if (inject) pres.pipe(scriptInjector()).pipe(res);
  else pres.pipe(res);
}
