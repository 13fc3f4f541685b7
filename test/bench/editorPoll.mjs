// Waiting for the new server without flooding the old one. Gin's default logger prints a line per
// request, and the extension streams the app's output into the Gopher Reload terminal, which the
// browser renders: polling the old server every 3 ms during a build sent ~300 lines a second
// there and cost ~2 s of browser CPU per reload on 2 cores (measured: 2.9 s save → serving with
// the panel shown, 0.9 s with it hidden). No user asks that much; it was the measurement itself.
// So the 3 ms HTTP polls start when the port's listening socket changes (the old server let go
// of it, or a new one bound it), read from /proc/net; until then one GET every `slowEveryMs`
// still catches a server that changed without a new socket (a handed-over listener).
import * as fs from 'node:fs';
import { get, sleep } from './lib.mjs';

/** The inodes of the sockets listening on `port` (IPv4 and IPv6), as one comparable string. */
export function listeners(port) {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue; // no IPv6 here
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const c = line.trim().split(/\s+/);
      if (c.length > 9 && c[3] === '0A' && c[1].endsWith(hex)) inodes.push(c[9]);
    }
  }
  return inodes.sort().join(',');
}

/**
 * Resolves { ms, requests } once the app answers with `text` (ms since `t0`), or { ms: undefined }
 * after `timeoutMs`. `before` is listeners(port) taken while the old server was serving.
 * `plain: true` polls every 3 ms from the start, as lib.mjs's untilServes (to show the difference).
 */
export async function untilNewServerServes(port, text, t0, before, { timeoutMs = 30_000, everyMs = 3, slowEveryMs = 100, plain = false } = {}) {
  let changed = plain;
  let lastGet = -Infinity;
  let requests = 0;
  while (performance.now() - t0 < timeoutMs) {
    changed ||= listeners(port) !== before;
    if (changed || performance.now() - lastGet >= slowEveryMs) {
      lastGet = performance.now();
      requests++;
      const r = await get(port, 500);
      if (r.ok && r.body.includes(text)) return { ms: performance.now() - t0, requests };
    }
    await sleep(everyMs);
  }
  return { ms: undefined, requests };
}
