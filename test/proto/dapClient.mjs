// Minimal DAP client: Content-Length framed JSON over TCP. Prototype for issue 14.
import net from 'node:net';

export class DapClient {
  constructor(log = () => {}) {
    this.seq = 1;
    this.pending = new Map();
    this.buf = Buffer.alloc(0);
    this.events = [];
    this.waiters = [];
    this.log = log;
  }
  connect(port, host = '127.0.0.1') {
    return new Promise((resolve, reject) => {
      this.sock = net.connect(port, host, resolve);
      this.sock.on('error', reject);
      this.sock.on('data', (d) => this.onData(d));
      this.sock.on('close', () => {
        this.closed = true;
        this.onEvent({ type: 'event', event: '__closed' });
      });
    });
  }
  onData(d) {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const h = this.buf.indexOf('\r\n\r\n');
      if (h < 0) return;
      const m = /Content-Length: (\d+)/i.exec(this.buf.subarray(0, h).toString());
      const len = Number(m[1]);
      if (this.buf.length < h + 4 + len) return;
      const msg = JSON.parse(this.buf.subarray(h + 4, h + 4 + len).toString());
      this.buf = this.buf.subarray(h + 4 + len);
      if (msg.type === 'response') {
        const p = this.pending.get(msg.request_seq);
        this.pending.delete(msg.request_seq);
        p?.(msg);
      } else if (msg.type === 'event') this.onEvent(msg);
      else if (msg.type === 'request') this.log('reverse request', msg.command);
    }
  }
  onEvent(ev) {
    this.log('event', ev.event, ev.event === 'output' ? JSON.stringify(ev.body.output) : JSON.stringify(ev.body ?? {}));
    this.events.push(ev);
    this.waiters = this.waiters.filter((w) => {
      if (w.pred(ev)) {
        w.resolve(ev);
        return false;
      }
      return true;
    });
  }
  waitEvent(name, timeoutMs = 30000, pred = () => true) {
    const hit = this.events.find((e) => e.event === name && pred(e) && !e.__used);
    if (hit) {
      hit.__used = true;
      return Promise.resolve(hit);
    }
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timeout waiting for ${name}`)), timeoutMs);
      this.waiters.push({
        pred: (e) => e.event === name && pred(e),
        resolve: (e) => {
          e.__used = true;
          clearTimeout(t);
          resolve(e);
        },
      });
    });
  }
  request(command, args = {}) {
    const seq = this.seq++;
    const body = JSON.stringify({ seq, type: 'request', command, arguments: args });
    this.sock.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    return new Promise((resolve, reject) => {
      this.pending.set(seq, (m) => (m.success ? resolve(m) : reject(new Error(`${command}: ${m.message} ${JSON.stringify(m.body ?? {})}`))));
    });
  }
  close() {
    this.sock?.destroy();
  }
}
