import * as http from 'node:http';
import type * as net from 'node:net';

/**
 * A keep-alive agent for one upstream server. Once retired (the server is about to stop or was
 * replaced) no socket goes back to its pool, so a connection to an old server is never reused.
 */
class UpstreamAgent extends http.Agent {
  private retired = false;

  constructor() {
    super({ keepAlive: true, scheduling: 'lifo' });
  }

  override keepSocketAlive(socket: net.Socket): boolean {
    if (this.retired) return false;
    // Node's returns true once it set keep-alive and unref'd the socket; its typings say void.
    return (super.keepSocketAlive(socket) as unknown) !== false;
  }

  retire(): void {
    this.retired = true;
    for (const list of Object.values(this.freeSockets)) for (const s of list ?? []) s.destroy();
  }

  get busy(): boolean {
    return Object.values(this.sockets).some((l) => (l?.length ?? 0) > 0);
  }
}

/**
 * The agent for the current server, and the retired ones still carrying requests to old servers
 * (kept only so close() can cut those connections too).
 */
export class UpstreamAgents {
  private agent?: UpstreamAgent;
  private readonly retired = new Set<UpstreamAgent>();

  /** The agent to forward through; undefined once retired until the next renew(). */
  get current(): http.Agent | undefined {
    return this.agent;
  }

  /** Retires the current agent and starts a fresh one, for a new (or restarted) server. */
  renew(): void {
    this.retire();
    this.agent = new UpstreamAgent();
  }

  retire(): void {
    const a = this.agent;
    this.agent = undefined;
    for (const old of this.retired) if (!old.busy) this.retired.delete(old);
    if (!a) return;
    a.retire();
    if (a.busy) this.retired.add(a);
  }

  /** Retires the current agent and destroys every socket of every agent. */
  destroy(): void {
    this.retire();
    for (const a of this.retired) a.destroy();
    this.retired.clear();
  }
}
