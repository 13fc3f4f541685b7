import type * as http from 'node:http';

/*
 * Header rewriting for the reload proxy: what goes to the app (hop-by-hop headers out,
 * X-Forwarded-* in) and what comes back to the client.
 */

/**
 * The most request-head bytes the proxy accepts, and the most response-head bytes it reads from
 * the app: Go's http.DefaultMaxHeaderBytes (1 MB) plus the 4096 bytes of slop its server allows
 * on top, so the proxy refuses nothing a Go server would accept (Node's default is 16 KB: a 20 KB
 * cookie got a 431). Above it the answer is a 431, as from Go.
 */
export const MAX_HEADER_BYTES = (1 << 20) + 4096;

/** Hop-by-hop headers (RFC 9110 §7.6.1) that describe our connection to the client, not the request. */
const HOP_REQUEST = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te', 'trailer', 'expect']);
// transfer-encoding stays on requests (Node re-chunks the decoded body when it sees it) but not on
// responses (Node picks chunked or close-delimited for each client itself).
const HOP_RESPONSE = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'transfer-encoding']);

/** The request's headers as sent by the client, minus hop-by-hop ones, plus X-Forwarded-*. */
export function forwardHeaders(req: http.IncomingMessage, upgrade: boolean, dropAcceptEncoding: boolean): string[] {
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
export function responseHeaders(pres: http.IncomingMessage, dropLength: boolean): string[] {
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

/** The upgrade request as raw bytes, for a connection we pipe ourselves. */
export function requestHead(req: http.IncomingMessage): Buffer {
  const h = forwardHeaders(req, true, false);
  let head = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
  for (let i = 0; i < h.length; i += 2) head += `${h[i]}: ${h[i + 1]}\r\n`;
  return Buffer.from(`${head}\r\n`, 'latin1');
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
