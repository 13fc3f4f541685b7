import * as net from 'node:net';

/* A DAP client for the tests: Content-Length framed JSON over TCP, as VS Code and nvim-dap speak it to Delve. */

export interface DapMessage {
  seq: number;
  type: 'request' | 'response' | 'event';
  command?: string;
  event?: string;
  success?: boolean;
  message?: string;
  request_seq?: number;
  arguments?: Record<string, unknown>;
  body?: Record<string, unknown> & { [k: string]: unknown };
}

export class DapClient {
  private seq = 1;
  private buf = Buffer.alloc(0);
  private readonly pending = new Map<number, (m: DapMessage) => void>();
  readonly events: DapMessage[] = [];
  private waiters: { pred: (m: DapMessage) => boolean; resolve: (m: DapMessage) => void }[] = [];
  private sock?: net.Socket;
  closed = false;

  connect(port: number, host = '127.0.0.1'): Promise<void> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(port, host, () => resolve());
      this.sock = sock;
      sock.once('error', reject);
      sock.on('data', (d) => this.onData(d));
      sock.on('close', () => {
        this.closed = true;
        for (const p of this.pending.values()) p({ seq: 0, type: 'response', success: false, message: 'connection closed' });
        this.pending.clear();
      });
    });
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const h = this.buf.indexOf('\r\n\r\n');
      if (h < 0) return;
      const len = Number(/Content-Length: (\d+)/i.exec(this.buf.subarray(0, h).toString())![1]);
      if (this.buf.length < h + 4 + len) return;
      const msg = JSON.parse(this.buf.subarray(h + 4, h + 4 + len).toString()) as DapMessage;
      this.buf = this.buf.subarray(h + 4 + len);
      this.received(msg);
      if (msg.type === 'response') {
        const p = this.pending.get(msg.request_seq!);
        this.pending.delete(msg.request_seq!);
        p?.(msg);
      } else if (msg.type === 'event') {
        this.events.push(msg);
        this.waiters = this.waiters.filter((w) => (w.pred(msg) ? (w.resolve(msg), false) : true));
      }
    }
  }

  /** The next event named `name` from now on (events already seen do not count). */
  nextEvent(name: string, timeoutMs = 30_000): Promise<DapMessage> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${name} event within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        pred: (m) => m.event === name,
        resolve: (m) => {
          clearTimeout(t);
          resolve(m);
        },
      });
    });
  }

  /**
   * Delve sends `stopped` a moment before it takes requests for the stopped program ("Unable to
   * process `stackTrace`: debuggee is running"): such an answer is asked again, for up to 1 s.
   */
  async request(command: string, args: Record<string, unknown> = {}): Promise<DapMessage> {
    for (let i = 0; ; i++) {
      try {
        return await this.requestOnce(command, args);
      } catch (e) {
        if (i >= 20 || !/Unable to process/.test((e as Error).message)) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  private async requestOnce(command: string, args: Record<string, unknown>): Promise<DapMessage> {
    const m = await this.send(command, args);
    if (!m.success) throw new Error(`${command}: ${m.message}`);
    return m;
  }

  /** One request; its response as it came, success or not. */
  send(command: string, args: Record<string, unknown> = {}): Promise<DapMessage> {
    const m: DapMessage = { seq: this.seq++, type: 'request', command, arguments: args };
    this.sent(m);
    const answer = new Promise<DapMessage>((resolve) => this.pending.set(m.seq, resolve));
    const body = JSON.stringify(m);
    this.sock!.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    return answer;
  }

  /** Every message on its way out and in, for a subclass that watches the traffic (as VS Code's tracker does). */
  protected sent(m: DapMessage): void {
    void m;
  }
  protected received(m: DapMessage): void {
    void m;
  }

  /** Attach to a headless Delve the way VS Code's attach/remote does, with breakpoints set before configurationDone. */
  async attachRemote(breakpoints: { file: string; line: number }[]): Promise<void> {
    await this.request('initialize', { adapterID: 'go', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    const initialized = this.nextEvent('initialized');
    await this.request('attach', { request: 'attach', mode: 'remote' });
    await initialized;
    const byFile = new Map<string, number[]>();
    for (const b of breakpoints) byFile.set(b.file, [...(byFile.get(b.file) ?? []), b.line]);
    for (const [file, lines] of byFile) await this.request('setBreakpoints', { source: { path: file }, breakpoints: lines.map((line) => ({ line })) });
    await this.request('configurationDone');
  }

  /** The top frame of a stopped thread: its source path and line. */
  async topFrame(threadId: number): Promise<{ file: string; line: number; name: string }> {
    const r = await this.request('stackTrace', { threadId, startFrame: 0, levels: 1 });
    const f = (r.body!.stackFrames as { name: string; line: number; source?: { path?: string } }[])[0];
    return { file: f.source?.path ?? '', line: f.line, name: f.name };
  }

  close(): void {
    this.sock?.destroy();
  }
}
