import * as net from 'node:net';
import { answerPage } from './proxyAnswer';
import { RETRIABLE, type JobHost, type UpgradeJob } from './proxyJob';

/**
 * Forwarding a websocket (or any Upgrade) request: a raw socket to the app carrying the request
 * head, piped both ways once the app answers, retried while the app has not said a word.
 */
export function forwardUpgrade(job: UpgradeJob, port: number, host: JobHost): void {
  const { socket } = job;
  const up = net.connect({ host: '127.0.0.1', port });
  job.upstream = up;
  let answered = false;
  let over = false;
  let clientBytes = 0;
  const countClient = (c: Buffer) => (clientBytes += c.length);
  up.setNoDelay(true);
  up.once('connect', () => {
    up.write(job.requestHead);
    if (job.head.length) up.write(job.head);
    socket.on('data', countClient);
    socket.pipe(up);
  });
  // Piped back only from the first answer byte on: a connection the app closes without a word
  // must not end the client's socket, which waits for the next server instead.
  up.once('data', (first: Buffer) => {
    answered = true;
    host.counters.forwarded++;
    socket.off('data', countClient);
    socket.write(first);
    up.pipe(socket);
  });
  const failed = (err?: NodeJS.ErrnoException) => {
    if (over) return;
    over = true;
    if (job.done) return;
    if (answered) {
      // A clean close was passed on by pipe (the client gets its end); an error cuts the tunnel.
      if (err) socket.destroy();
      return;
    }
    socket.unpipe(up);
    socket.off('data', countClient);
    socket.pause();
    up.destroy();
    // The request head (and `head`) are sent again on the next attempt; bytes the client sent
    // after them went to the failed connection and cannot be, so then it is a 502.
    if (clientBytes === 0 && (!err || RETRIABLE.has(err.code ?? ''))) {
      host.wait(job, host.retryDelay(port));
    } else {
      answerPage(
        host,
        job,
        502,
        'upstream-error',
        'The upgrade could not be forwarded to the app',
        `The app closed the connection (${err?.code ?? 'no answer'}).`,
      );
    }
  };
  up.on('error', failed);
  // The app closed without answering (it was stopping): same as a reset.
  up.on('close', () => failed());
}
