import * as net from 'node:net';
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, readSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/**
 * True when a new server could bind `port` right now. Binding (not connecting) is the real test:
 * a closing server may refuse connections yet still hold the socket. Go's `:8080` binds the
 * dual-stack wildcard, so we try `::` and fall back to 0.0.0.0 on hosts without IPv6.
 */
export function isPortFree(port: number): Promise<boolean> {
  const tryHost = (host: string) =>
    new Promise<boolean | 'no-family'>((resolve) => {
      const srv = net.createServer();
      srv.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'EADDRINUSE' || e.code === 'EACCES' ? false : 'no-family'));
      srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
    });
  return tryHost('::').then((r) => (r === 'no-family' ? tryHost('0.0.0.0').then((r2) => r2 === true) : r));
}

/** Asks the OS for a port nobody uses (tests, the demo, the proxy's private port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** One TCP connect attempt to loopback (v4 then v6); true if something accepted. */
export function canConnect(port: number, timeoutMs = 200): Promise<boolean> {
  const attempt = (host: string) =>
    new Promise<boolean>((resolve) => {
      const sock = net.connect({ port, host });
      const done = (ok: boolean) => {
        sock.destroy();
        resolve(ok);
      };
      sock.setTimeout(timeoutMs, () => done(false));
      sock.once('connect', () => done(true));
      sock.once('error', () => done(false));
    });
  return attempt('127.0.0.1').then((ok) => ok || attempt('::1'));
}

interface ListenSocket {
  port: number;
  inode: string;
}

/**
 * LISTEN sockets from /proc/net/tcp{,6} (Linux). State 0A is TCP_LISTEN. The kernel lists the
 * listening table before the established one, so reading stops at the first other state: a
 * machine with 10,000 connections in TIME_WAIT costs 50 ms or more for a full read, and this
 * runs on every readiness poll.
 */
function listenSockets(): ListenSocket[] {
  const out: ListenSocket[] = [];
  const buf = Buffer.alloc(16384);
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch {
      continue;
    }
    try {
      let rest = '';
      let header = true;
      read: for (;;) {
        const n = readSync(fd, buf, 0, buf.length, null);
        if (n <= 0) break;
        const lines = (rest + buf.toString('latin1', 0, n)).split('\n');
        rest = lines.pop()!;
        for (const line of lines) {
          if (header) {
            header = false;
            continue;
          }
          const f = line.trim().split(/\s+/);
          if (f.length < 10) continue;
          if (f[3] === '03') continue; // SYN_RECV: old kernels list them among the listeners
          if (f[3] !== '0A') break read;
          out.push({ port: parseInt(f[1].split(':')[1], 16), inode: f[9] });
        }
      }
    } finally {
      closeSync(fd);
    }
  }
  return out;
}

function socketInodesOf(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // fd closed meanwhile
    }
  }
  return inodes;
}

/**
 * TCP ports these processes hold a listening socket on, ascending; undefined when this system
 * gives no way to tell (neither /proc, lsof nor netstat). Linux reads /proc/<pid>/fd against
 * /proc/net/tcp{,6} (about a millisecond); elsewhere it runs lsof (macOS, BSD) or netstat
 * (Windows), which cost tens of milliseconds, so callers poll it less often there.
 */
export function ownListeners(pids: number[]): number[] | undefined {
  if (pids.length === 0) return [];
  if (process.platform === 'linux') {
    const inodes = new Set<string>();
    for (const pid of pids) for (const i of socketInodesOf(pid)) inodes.add(i);
    const ports = new Set<number>();
    for (const s of listenSockets()) if (inodes.has(s.inode)) ports.add(s.port);
    return [...ports].sort((a, b) => a - b);
  }
  return process.platform === 'win32' ? netstatListeners(pids) : lsofListeners(pids);
}

/** Whether ownListeners is cheap here (poll it often) or spawns a tool (poll it rarely). */
export const cheapListenerScan = process.platform === 'linux';

function lsofListeners(pids: number[]): number[] | undefined {
  try {
    // -a: AND the filters (these pids, TCP, LISTEN); lsof exits 1 when nothing matched.
    const text = execFileSync('lsof', ['-nP', '-a', '-p', pids.join(','), '-iTCP', '-sTCP:LISTEN', '-Fn'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return uniqueSorted([...text.matchAll(/^n.*:(\d+)$/gm)].map((m) => Number(m[1])));
  } catch (e) {
    return (e as { status?: number }).status === 1 ? [] : undefined;
  }
}

function netstatListeners(pids: number[]): number[] | undefined {
  try {
    const text =
      execFileSync('netstat', ['-ano', '-p', 'TCP'], { encoding: 'utf8', windowsHide: true }) +
      execFileSync('netstat', ['-ano', '-p', 'TCPv6'], { encoding: 'utf8', windowsHide: true });
    const want = new Set(pids);
    const ports = [...text.matchAll(/^\s*TCP\s+\S+:(\d+)\s+\S+\s+LISTENING\s+(\d+)\s*$/gim)].filter((m) => want.has(Number(m[2]))).map((m) => Number(m[1]));
    return uniqueSorted(ports);
  } catch {
    return undefined;
  }
}

const uniqueSorted = (ports: number[]) => [...new Set(ports)].sort((a, b) => a - b);

/**
 * The port a server failed to bind, from its last output: Go's `listen tcp :8080: bind: address
 * already in use`, Node's `EADDRINUSE ... :3000`. Undefined when the output says nothing of it.
 */
export function portTakenFrom(lines: string[]): number | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /listen tcp[46]? \S*:(\d{1,5}): bind: address already in use/i.exec(lines[i]) ?? /EADDRINUSE\b[^\n]*?:(\d{1,5})\b/.exec(lines[i]);
    if (m) return Number(m[1]);
  }
  return undefined;
}

export interface PortOwner {
  pid: number;
  name: string;
}

/** Which process listens on `port`, so we can name it instead of killing it. */
export function portOwner(port: number): PortOwner | undefined {
  if (process.platform === 'linux') {
    const inodes = new Set(
      listenSockets()
        .filter((s) => s.port === port)
        .map((s) => s.inode),
    );
    if (inodes.size === 0) return undefined;
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const pid = Number(name);
      for (const i of socketInodesOf(pid)) {
        if (inodes.has(i)) return { pid, name: readComm(pid) };
      }
    }
    return undefined; // owned by another user's process we cannot inspect
  }
  try {
    const text = execFileSync('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fpc'], { encoding: 'utf8' });
    const pid = /^p(\d+)/m.exec(text);
    const cmd = /^c(.+)$/m.exec(text);
    return pid ? { pid: Number(pid[1]), name: cmd?.[1] ?? '?' } : undefined;
  } catch {
    return undefined;
  }
}

function readComm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}
