import * as http from 'node:http';
import type * as net from 'node:net';
import { MAX_INJECT_BYTES, injectScript, isInjectable } from './liveReload';
import { answerPage } from './proxyAnswer';
import { RETRIABLE, type HttpJob, type JobHost } from './proxyJob';
import { responseHeaders } from './proxyHeaders';

/**
 * Forwarding one HTTP request to the app: connect before consuming the body, retry what the app
 * never saw, and pass the response on (streamed, or buffered to inject the live-reload script).
 */

/** An idempotent request's body is kept up to this size so a retry can send it again. */
const MAX_REPLAY_BYTES = 1024 * 1024;

export function forwardHttp(job: HttpJob, port: number, agent: http.Agent, host: JobHost): void {
  const { req, res } = job;
  const settle = host.beginFlight();
  let responded = false;
  const up = http.request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: job.headers, agent, setHost: false });
  job.upstream = up;
  up.setNoDelay(true);
  if (!job.hasBody) up.end();
  else
    up.once('socket', (s: net.Socket) => {
      // A body is consumed only once the app accepted the connection: a refused connect leaves it
      // unread, so the request can wait for the next server and go there whole.
      if (s.connecting) s.once('connect', () => pumpBody(job, up));
      else pumpBody(job, up);
    });

  up.on('response', (pres) => {
    responded = true;
    host.counters.forwarded++;
    pres.on('end', () => {
      job.upstreamDone = true;
      settle();
    });
    pres.on('close', () => {
      settle();
      // The app died mid-answer: cut the client's response too, so it is not taken as complete.
      if (!pres.complete) res.destroy();
    });
    relay(job, pres, host.liveReload);
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
    // replay is kept only for idempotent requests, so a non-null one means the body can go again.
    const resendable = job.bodySent === 0 || job.replay !== null;
    if (RETRIABLE.has(err.code ?? '') && resendable) {
      host.log.trace(`proxy: ${method} ${req.url}: ${err.code} from port ${port}; waiting for the server`);
      host.wait(job, host.retryDelay(port));
      return;
    }
    const why =
      job.bodySent > 0
        ? `The app closed the connection (${err.code ?? err.message}) after part of the ${method} request body was sent, so the request was not retried (it may not be safe to send twice).`
        : `The app could not be reached: ${err.code ?? err.message}.`;
    host.log.warn(`proxy: ${method} ${req.url} answered 502: ${why}`);
    answerPage(host, job, 502, 'upstream-error', 'The request could not be forwarded to the app', why);
  });
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

/** Passes the app's response on: streamed as it comes, or buffered to inject the live-reload script. */
function relay(job: HttpJob, pres: http.IncomingMessage, liveReload: boolean): void {
  const { req, res } = job;
  const status = pres.statusCode ?? 502;
  if (!(liveReload && isInjectable(req.method, status, pres.headers))) {
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
