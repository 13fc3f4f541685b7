import type * as http from 'node:http';

/*
 * Browser live reload for the proxy: the script every HTML page gets, the tiny client it loads,
 * and the server-sent-event streams that tell open pages to reload. SSE rather than WebSocket
 * because it is one plain HTTP response (no upgrade handling, no frame parsing) and EventSource
 * reconnects by itself when the proxy restarts.
 */

/** The proxy's own resources at the root: `/__gopher_reload/live.js` and `/__gopher_reload/events`. */
export const LIVE_PREFIX = '/__gopher_reload/';
/** The folder name of the resources, which the proxy also answers under any folder (liveResource). */
const LIVE_DIR = '__gopher_reload/';

/**
 * The tag every page gets. Its URL is relative to the page's own folder, never rooted or with an
 * origin: behind a forwarder that serves the proxy under a path (code-server's `/proxy/<port>/`
 * strips it, `/absproxy/<port>/` keeps it) or under another host (Codespaces, a Remote-SSH
 * tunnel), the browser resolves it to a URL that reaches the proxy again, and liveResource
 * recognises it under whatever folder it arrives. A rooted `/__gopher_reload/` would go to the
 * forwarder itself; `../`s counted from the path the proxy served would miss under `/absproxy/`
 * (the path already holds the prefix) and when the forwarder rewrites the path (code-server
 * collapses `//`). An external src, not inline code, so a page's strict CSP (`script-src 'self'`)
 * still lets it run.
 */
export const LIVE_SCRIPT_TAG = `<script src="${LIVE_DIR}live.js"></script>`;

/**
 * Which of the proxy's own resources a request target asks for: `script` or `events` when its
 * path (query and fragment aside) ends in `/__gopher_reload/live.js` or `/__gopher_reload/events`
 * under any folder (see LIVE_SCRIPT_TAG); `other` for anything else under the root
 * `/__gopher_reload/` (answered 404, as always); undefined for the app's own paths.
 */
export function liveResource(target: string | undefined): 'script' | 'events' | 'other' | undefined {
  const path = (target ?? '').split(/[?#]/)[0];
  if (path.endsWith(`/${LIVE_DIR}live.js`)) return 'script';
  if (path.endsWith(`/${LIVE_DIR}events`)) return 'events';
  return path.startsWith(LIVE_PREFIX) ? 'other' : undefined;
}

/** The streaming injector (proxyInject.ts) stops looking for `</body>` this far into a page; a larger page passes untouched. */
export const MAX_INJECT_BYTES = 5 * 1024 * 1024;

const HEARTBEAT_MS = 15_000;

/**
 * The client. Guarded so a page that includes the tag twice (a template and the proxy) opens one
 * stream; `retry` in the stream makes EventSource come back quickly after a proxy restart.
 * `build-failed` (sent while the previous server still serves) lays the errors over the page
 * instead of reloading it, as Vite and Next.js do: the page keeps its state and its API calls,
 * and the next good build's `reload` removes the overlay. Text goes in through textContent only
 * (never markup), and styles through the CSSOM, which a strict page CSP allows. The proxy's own
 * error pages (data-gopher-reload-page) reload instead, to list the new errors.
 */
export const LIVE_SCRIPT_JS = `(function () {
  if (window.__gopherReload || typeof EventSource === 'undefined') return;
  window.__gopherReload = true;
  // The stream is next to this script, wherever the browser found it (see LIVE_SCRIPT_TAG):
  // the resolved src, without its query and last segment. No URL API (older browsers, tests).
  var me = document.currentScript;
  var src = me && me.src ? String(me.src).split(/[?#]/)[0] : '';
  var es = new EventSource(src ? src.replace(/[^\/]*$/, '') + 'events' : ${JSON.stringify(LIVE_DIR + 'events')});
  var overlay = null;
  es.addEventListener('reload', function () { location.reload(); });
  es.addEventListener('build-failed', function (e) {
    if (document.documentElement.hasAttribute('data-gopher-reload-page')) { location.reload(); return; }
    var d;
    try { d = JSON.parse(e.data); } catch (err) { return; }
    show(d);
  });
  function el(tag, css, text) {
    var n = document.createElement(tag);
    for (var k in css) n.style[k] = css[k];
    if (text !== undefined) n.textContent = text;
    return n;
  }
  function show(d) {
    if (overlay) overlay.remove();
    var mono = 'ui-monospace, SFMono-Regular, Menlo, monospace';
    overlay = el('div', { position: 'fixed', inset: '0', zIndex: '2147483647', background: 'rgba(0,0,0,.66)', overflow: 'auto', padding: '2rem 1rem' });
    overlay.setAttribute('data-gopher-reload-overlay', '');
    var box = el('div', { maxWidth: '60rem', margin: '0 auto', background: '#fff', color: '#1f2328', borderTop: '4px solid #b42318', borderRadius: '6px', padding: '1rem 1.25rem', font: '14px/1.5 system-ui, sans-serif', boxShadow: '0 8px 30px rgba(0,0,0,.4)' });
    var close = el('button', { float: 'right', font: 'inherit', cursor: 'pointer', border: '0', background: 'none', fontSize: '20px' }, '\u00d7');
    close.setAttribute('aria-label', 'Hide');
    close.onclick = function () { overlay.remove(); overlay = null; };
    box.appendChild(close);
    box.appendChild(el('div', { fontWeight: '600', color: '#b42318', fontSize: '16px' }, 'Build failed'));
    box.appendChild(el('div', { color: '#59636e', marginBottom: '.5rem' }, 'This page is from the previous build, which keeps serving. It reloads by itself once the build works.'));
    var problems = d.problems || [];
    for (var i = 0; i < problems.length; i++) {
      box.appendChild(el('div', { fontFamily: mono, fontSize: '13px', whiteSpace: 'pre-wrap', margin: '.25rem 0' }, problems[i].location + ' ' + problems[i].message));
    }
    if (!problems.length && d.output) box.appendChild(el('pre', { fontFamily: mono, fontSize: '12px', background: '#f6f8fa', padding: '.75rem', overflow: 'auto', whiteSpace: 'pre-wrap' }, d.output));
    overlay.appendChild(box);
    (document.body || document.documentElement).appendChild(overlay);
  }
})();
`;

/**
 * Content-Security-Policy of live.js and the event stream: nothing in them may load or run
 * anything, and no other site may frame them.
 */
export const RESOURCE_CSP = "default-src 'none'; frame-ancestors 'none'";

/** What the overlay shows of a failed build: the problems (file:line:col and message) and, without any, the output's tail. */
export interface FailedBuild {
  problems: { location: string; message: string }[];
  output: string;
}

/** A navigation or anything else that would render HTML (browsers send `text/html,...`). */
export function acceptsHtml(req: http.IncomingMessage): boolean {
  return /\btext\/html\b/i.test(req.headers.accept ?? '');
}

/**
 * Whether a response is a page we can rewrite: HTML, not compressed (we never decompress), with a
 * body, and not announced as larger than the injector looks into.
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
  /** The failed build the overlay shows, while the previous server still serves. */
  private failure?: string;

  /** Serves the script and the event stream; false when the request is not for ours (liveResource). */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const kind = liveResource(req.url);
    if (!kind) return false;
    const path = (req.url ?? '').split('?')[0];
    if (kind === 'script') {
      res.writeHead(200, {
        'Content-Type': 'text/javascript; charset=utf-8',
        'Cache-Control': 'no-cache',
        'Content-Length': Buffer.byteLength(LIVE_SCRIPT_JS),
        'Content-Security-Policy': RESOURCE_CSP,
        'X-Content-Type-Options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : LIVE_SCRIPT_JS);
    } else if (kind === 'events') {
      this.open(res);
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Security-Policy': RESOURCE_CSP, 'X-Content-Type-Options': 'nosniff' });
      res.end(`Gopher Reload: no such live-reload resource: ${path}\n`);
    }
    return true;
  }

  /** Sends `event: reload` to every open page. */
  reload(): void {
    for (const res of this.streams) res.write('event: reload\ndata: {}\n\n');
  }

  /**
   * A build failed while the previous server serves: open pages show the overlay, and pages that
   * connect later get it too. Undefined: no failure to show any more (the next reload clears it).
   */
  setFailed(f: FailedBuild | undefined): void {
    // JSON has no raw newline, so the event is one `data:` line.
    const event = f ? `event: build-failed\ndata: ${JSON.stringify(f)}\n\n` : undefined;
    if (event === this.failure) return;
    this.failure = event;
    if (event) for (const res of this.streams) res.write(event);
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
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      // no-transform: a forwarder that compresses (code-server's `compression` middleware gzips
      // every /proxy/<port>/ response a browser accepts gzip for) would hold the events in its
      // zlib buffer, and the page would never hear `reload`. RFC 9111 §5.2.2.6 tells it not to.
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
      'Content-Security-Policy': RESOURCE_CSP,
      'X-Content-Type-Options': 'nosniff',
    });
    // The first bytes go out now, so the browser's EventSource reports "open" at once.
    res.write('retry: 500\n: connected\n\n');
    if (this.failure) res.write(this.failure);
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
