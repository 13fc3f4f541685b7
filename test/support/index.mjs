// Small helpers shared by the test, demo and packaging scripts (plain Node, no build step).
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as http from 'node:http';

/** A port nobody listens on now (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** True when `port` can be bound on all interfaces right now. */
export function isFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer().once('error', () => resolve(false));
    s.listen(port, () => s.close(() => resolve(true)));
  });
}

/** GET http://127.0.0.1:port/ → the body, or undefined when nothing answers. */
export function getBody(port, path = '/', timeoutMs = 2000) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (b += c));
      res.on('end', () => resolve(b));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

/** Live (non-zombie) processes whose command line or executable is under dir: what a leak looks like. */
export function processesUnder(dir) {
  const out = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (/\) [ZX] /.test(fs.readFileSync(`/proc/${name}/stat`, 'utf8'))) continue;
      const cmd = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      let exe = '';
      try {
        exe = fs.readlinkSync(`/proc/${name}/exe`);
      } catch {
        // another user's process, or a kernel thread
      }
      if (cmd.includes(dir) || exe.includes(dir)) out.push({ pid: Number(name), cmd });
    } catch {
      // exited while we looked
    }
  }
  return out;
}
