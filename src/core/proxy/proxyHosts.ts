import * as net from 'node:net';

/*
 * Which Host headers may see the proxy's own pages and endpoints (build errors, live.js, the
 * event stream). The proxy listens on loopback, but a DNS-rebinding page (evil.example resolving
 * to 127.0.0.1) is same-origin with it and could read build output and source paths; the Host
 * header it sends still says evil.example. So: loopback names and addresses, plus what the user
 * allowed (gopherReload.proxyAllowedHosts, for a port forwarded by code-server, Codespaces or a
 * tunnel under another name). Requests forwarded to the app are not checked: the app decides.
 */

/** The name in a Host header, lowercased, without port or a trailing dot; undefined if it is not a plain host[:port]. */
export function hostName(host: string | undefined): string | undefined {
  if (!host) return undefined;
  let url: URL;
  try {
    // The URL parser normalises the forms a browser would (127.1, 0x7f.0.0.1, [0:0::1], IDN).
    url = new URL(`http://${host.trim()}`);
  } catch {
    return undefined;
  }
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) return undefined;
  const name = url.hostname.toLowerCase().replace(/\.$/, '');
  return name || undefined;
}

/** `localhost`, `*.localhost`, 127.0.0.0/8, ::1 (and ::ffff:127.x.x.x). */
export function isLoopbackName(name: string): boolean {
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  const bare = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
  if (net.isIPv4(bare)) return bare.startsWith('127.');
  if (!net.isIPv6(bare)) return false;
  if (bare === '::1') return true;
  // The URL parser writes a mapped IPv4 address in hex: ::ffff:7f00:1 is 127.0.0.1.
  const m = /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(bare);
  return !!m && parseInt(m[1], 16) >> 8 === 127;
}

/**
 * Whether `host` (the request's Host header) may see the proxy's pages: a loopback name, or one
 * of `allowed` (exact, or with a leading `.` the name and all its subdomains, as Vite does).
 */
export function hostAllowed(host: string | undefined, allowed: readonly string[] = []): boolean {
  const name = hostName(host);
  if (name === undefined) return false;
  if (isLoopbackName(name)) return true;
  for (const raw of allowed) {
    const entry = raw.trim().toLowerCase().replace(/\.$/, '');
    if (!entry) continue;
    if (entry.startsWith('.')) {
      if (name === entry.slice(1) || name.endsWith(entry)) return true;
    } else if (name === entry || name === hostName(entry)) {
      return true;
    }
  }
  return false;
}

/** The one line a refused Host gets: what happened and how to allow it. */
export function hostRefusedText(host: string | undefined): string {
  const name = hostName(host);
  if (name === undefined) {
    return `Gopher Reload: this request's Host header (${JSON.stringify((host ?? '').slice(0, 200))}) is missing or not a host name, so the proxy does not show its pages (build output, live reload) to it.\n`;
  }
  return `Gopher Reload: the host "${name.slice(0, 200)}" may not see the proxy's own pages (build output, live reload), which answer only to localhost and loopback addresses (DNS-rebinding protection). If you reach the proxy through a forwarded port under this name, add "${name.slice(0, 200)}" to gopherReload.proxyAllowedHosts (a leading "." allows all subdomains).\n`;
}
