import * as net from 'node:net';
import * as vscode from 'vscode';

/**
 * The debug adapter of a gopher-reload session: Delve's headless DAP socket, relayed as is. Like
 * DebugAdapterServer, plus one thing it cannot do: drop the connection without sending anything
 * (see drop). Delve in multi-client mode takes a closed connection as a client leaving: the
 * program and its breakpoints stay, nothing is terminated.
 */
export class DelveAdapter implements vscode.DebugAdapter {
  private readonly emitter = new vscode.EventEmitter<vscode.DebugProtocolMessage>();
  readonly onDidSendMessage = this.emitter.event;
  private readonly sock: net.Socket;
  private buf = Buffer.alloc(0);
  /** Written before the socket connected. */
  private backlog: string[] = [];
  private connected = false;
  private closed = false;

  constructor(port: number, host: string) {
    this.sock = net.connect(port, host, () => {
      this.connected = true;
      for (const b of this.backlog) this.sock.write(b);
      this.backlog = [];
    });
    this.sock.on('data', (d) => this.read(d));
    this.sock.on('error', (e) => this.end(`Delve at ${host}:${port}: ${e.message}`));
    this.sock.on('close', () => this.end());
  }

  handleMessage(m: vscode.DebugProtocolMessage): void {
    const msg = m as { type?: string; command?: string; seq?: number };
    if (this.closed) {
      // Gone (Delve killed on a reload, or dropped): answer VS Code's disconnect here so the session ends at once.
      if (msg.type === 'request' && msg.command === 'disconnect') this.reply(msg.seq ?? 0, 'disconnect');
      return;
    }
    const body = JSON.stringify(m);
    const frame = `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    if (this.connected) this.sock.write(frame);
    else this.backlog.push(frame);
  }

  /**
   * Leaves without a disconnect request: VS Code's own would say terminateDebuggee (its Stop on an
   * attach session does), and Delve would kill the program once it got to the request.
   */
  drop(): void {
    this.sock.destroy();
    this.end();
  }

  private read(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const h = this.buf.indexOf('\r\n\r\n');
      if (h < 0) return;
      const len = Number(/Content-Length: *(\d+)/i.exec(this.buf.subarray(0, h).toString())?.[1]);
      if (!Number.isFinite(len)) return this.drop();
      if (this.buf.length < h + 4 + len) return;
      const text = this.buf.subarray(h + 4, h + 4 + len).toString();
      this.buf = this.buf.subarray(h + 4 + len);
      try {
        this.emitter.fire(JSON.parse(text) as vscode.DebugProtocolMessage);
      } catch {
        // not JSON: Delve never sends that; skip the frame
      }
    }
  }

  /** The connection is over: VS Code ends the session on `terminated`. */
  private end(why?: string): void {
    if (this.closed) return;
    this.closed = true;
    if (why) this.emitter.fire({ type: 'event', seq: 0, event: 'output', body: { category: 'console', output: `${why}\n` } } as vscode.DebugProtocolMessage);
    this.emitter.fire({ type: 'event', seq: 0, event: 'terminated', body: {} } as vscode.DebugProtocolMessage);
  }

  private reply(requestSeq: number, command: string): void {
    this.emitter.fire({ type: 'response', seq: 0, request_seq: requestSeq, success: true, command } as vscode.DebugProtocolMessage);
  }

  dispose(): void {
    this.closed = true;
    this.sock.destroy();
    this.emitter.dispose();
  }
}
