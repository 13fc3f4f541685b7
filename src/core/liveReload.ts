import type * as http from 'node:http';

/**
 * Browser live reload for the proxy: the script every HTML page gets, the tiny client it loads,
 * and the server-sent-event streams that tell open pages to reload. SSE rather than WebSocket
 * because it is one plain HTTP response (no upgrade handling, no frame parsing) and EventSource
 * reconnects by itself when the proxy restarts.
 */

export const LIVE_PREFIX = '/__gopher_reload/';
export const LIVE_SCRIPT_PATH = `${LIVE_PREFIX}live.js`;
export const LIVE_EVENTS_PATH = `${LIVE_PREFIX}events`;
export const LIVE_SCRIPT_TAG = `<script src="${LIVE_SCRIPT_PATH}"></script>`;

/** HTML above this size passes through untouched: buffering it to inject one tag is not worth it. */
export const MAX_INJECT_BYTES = 5 * 1024 * 1024;

const HEARTBEAT_MS = 15_000;

/**
 * The client. Guarded so a page that includes the tag twice (a template and the proxy) opens one
 * stream; `retry` in the stream makes EventSource come back quickly after a proxy restart.
 */
export const LIVE_SCRIPT_JS = `(function () {
  if (window.__gopherReload || typeof EventSource === 'undefined') return;
  window.__gopherReload = true;
  var es = new EventSource(${JSON.stringify(LIVE_EVENTS_PATH)});
  es.addEventListener('reload', function () { location.reload(); });
})();
`;

const SCRIPT_TAG_BYTES = Buffer.from(LIVE_SCRIPT_TAG);

/** Puts the script tag before the last `</body>`, or at the end when there is none (fragments, sloppy HTML). */
export function injectScript(html: Buffer): Buffer {
  // latin1 maps every byte to one char, so string offsets are byte offsets whatever the charset.
  const text = html.toString('latin1');
  const re = /<\/body\s*>/gi;
  let at = -1;
  for (let m = re.exec(text); m; m = re.exec(text)) at = m.index;
  if (at === -1) return Buffer.concat([html, SCRIPT_TAG_BYTES]);
  return Buffer.concat([html.subarray(0, at), SCRIPT_TAG_BYTES, html.subarray(at)]);
}

/** A navigation or anything else that would render HTML (browsers send `text/html,...`). */
export function acceptsHtml(req: http.IncomingMessage): boolean {
  return /\btext\/html\b/i.test(req.headers.accept ?? '');
}

/**
 * Whether a response is a page we can rewrite: HTML, not compressed (we never decompress), with a
 * body, and not announced as larger than the buffering limit.
 */
export function isInjectable(method: string | undefined, status: number, headers: http.IncomingHttpHeaders): boolean {
  if (method === 'HEAD' || status < 200 || status === 204 || status === 304) return false;
  if (!/^\s*text\/html\b/i.test(headers['content-type'] ?? '')) return false;
  const enc = (headers['content-encoding'] ?? '').trim().toLowerCase();
  if (enc !== '' && enc !== 'identity') return false;
  const len = Number(headers['content-length']);
  return !(len > MAX_INJECT_BYTES);
}

/** The open event streams, one per page. */
export class LiveReloadHub {
  private readonly streams = new Set<http.ServerResponse>();
  private heartbeat?: NodeJS.Timeout;

  /** Serves the script and the event stream; false when `url` is not ours. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const url = req.url ?? '';
    if (!url.startsWith(LIVE_PREFIX)) return false;
    const path = url.split('?')[0];
    if (path === LIVE_SCRIPT_PATH) {
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache', 'Content-Length': Buffer.byteLength(LIVE_SCRIPT_JS) });
      res.end(req.method === 'HEAD' ? undefined : LIVE_SCRIPT_JS);
    } else if (path === LIVE_EVENTS_PATH) {
      this.open(res);
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`Gopher Reload: no such live-reload resource: ${path}\n`);
    }
    return true;
  }

  /** Sends `event: reload` to every open page. */
  reload(): void {
    for (const res of this.streams) res.write('event: reload\ndata: {}\n\n');
  }

  get size(): number {
    return this.streams.size;
  }

  /** Ends every stream and the heartbeat. */
  close(): void {
    for (const res of this.streams) {
      res.end();
      res.socket?.destroy();
    }
    this.streams.clear();
    this.stopHeartbeat();
  }

  private open(res: http.ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' });
    // The first bytes go out now, so the browser's EventSource reports "open" at once.
    res.write('retry: 500\n: connected\n\n');
    this.streams.add(res);
    res.on('close', () => {
      this.streams.delete(res);
      if (this.streams.size === 0) this.stopHeartbeat();
    });
    // One unref'd timer for all streams: comments keep idle connections from being cut by
    // anything that times out silent sockets, and never keep the process alive.
    if (!this.heartbeat) {
      this.heartbeat = setInterval(() => {
        for (const s of this.streams) s.write(': ping\n\n');
      }, HEARTBEAT_MS);
      this.heartbeat.unref();
    }
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}
