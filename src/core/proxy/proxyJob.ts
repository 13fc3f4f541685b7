import type * as http from 'node:http';
import type * as net from 'node:net';
import type { Logger } from '../util/log';
import { acceptsHtml } from './liveReload';
import { forwardHeaders, requestHead } from './proxyHeaders';
import type { Flight } from './proxyInFlight';

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

/*
 * A job is one request or websocket upgrade in the proxy's hands, from arrival until it is
 * forwarded, answered by the proxy itself, or the client goes away. This file holds its state,
 * how it is made, and what forwarding needs from the proxy.
 */

/** Errors that mean the app never saw the request (or dropped it unanswered): worth a retry. */
export const RETRIABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);
/**
 * Methods RFC 9110 §9.2.2 calls idempotent: sending one twice has the effect of sending it once,
 * so one the app received but never answered may be sent again. POST and PATCH may not: the app
 * may have run the handler before its connection was cut (a counter, an order, an email).
 */
export const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

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

export interface HttpJob extends JobBase {
  kind: 'http';
  /** Resent once already because its kept-alive connection turned out closed. */
  resentOnStaleSocket?: boolean;
  readonly res: http.ServerResponse;
  readonly headers: string[];
  readonly hasBody: boolean;
  /** Body bytes read from the client (and written to the app) so far, over all attempts. */
  bodySent: number;
  bodyEnded: boolean;
  /** Everything read of an idempotent request's body, for a retry; null once too big (or not idempotent). */
  replay: Buffer[] | null;
  replayBytes: number;
  upstream?: http.ClientRequest;
  upstreamDone: boolean;
  stopPump?: () => void;
}

export interface UpgradeJob extends JobBase {
  kind: 'upgrade';
  readonly socket: net.Socket;
  readonly head: Buffer;
  readonly requestHead: Buffer;
  upstream?: net.Socket;
}

export type Job = HttpJob | UpgradeJob;

/** What forwarding a job needs from the proxy that holds it. */
export interface JobHost {
  readonly liveReload: boolean;
  readonly log: Logger;
  readonly counters: ProxyStats;
  /** Counts a forwarded request as in flight until its settle(); drain() waits for it while it is expected to end. */
  beginFlight(): Flight;
  /** Parks a job until the next setUpstream, its deadline, or (with retryMs) a retry. */
  wait(job: Job, retryMs?: number): void;
  /** How soon to retry a failed attempt on `failedPort`; undefined: wait for setUpstream. */
  retryDelay(failedPort: number): number | undefined;
}

export function newHttpJob(req: http.IncomingMessage, res: http.ServerResponse, holdMs: number, liveReload: boolean): HttpJob {
  const now = Date.now();
  const te = req.headers['transfer-encoding'];
  const len = req.headers['content-length'];
  return {
    kind: 'http',
    req,
    res,
    arrived: now,
    deadline: now + holdMs,
    held: false,
    done: false,
    headers: forwardHeaders(req, false, liveReload && acceptsHtml(req)),
    hasBody: te !== undefined || (len !== undefined && len !== '0'),
    bodySent: 0,
    bodyEnded: false,
    replay: IDEMPOTENT.has(req.method ?? 'GET') ? [] : null,
    replayBytes: 0,
    upstreamDone: false,
  };
}

export function newUpgradeJob(req: http.IncomingMessage, socket: net.Socket, head: Buffer, holdMs: number): UpgradeJob {
  const now = Date.now();
  return {
    kind: 'upgrade',
    req,
    socket,
    head,
    requestHead: requestHead(req),
    arrived: now,
    deadline: now + holdMs,
    held: false,
    done: false,
  };
}
