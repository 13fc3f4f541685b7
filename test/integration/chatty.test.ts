import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { api, get, waitFor } from './util';

/**
 * A server that writes 200 MB of logs, in the real extension host: its memory must stay bounded
 * (the engine keeps a ring of lines, the terminal a paced, capped backlog) and it must stay
 * responsive (event-loop lag). The figure goes to the README's Reliability section.
 */
describe('Gopher Reload in VS Code: a server that logs 200 MB', function () {
  it('keeps the extension host responsive and its memory bounded', async () => {
    const port = Number(process.env.GOPHER_RELOAD_PORT);
    const a = await api();
    const mod = () => a.modules()[0];
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    let maxLag = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      maxLag = Math.max(maxLag, now - last - 20);
      last = now;
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const t0 = Date.now();
    try {
      await waitFor('running', () => mod().state.kind === 'running', 120_000);
      await waitFor('all 200 MB logged', () => mod().serverOutput.some((l) => l.includes('chatty: done logging')), 180_000);
      assert.equal(await get(port), 'chatty v1');
    } finally {
      clearInterval(timer);
    }
    const growth = Math.round((peak - rss0) / 2 ** 20);
    const out = process.env.GOPHER_RELOAD_RELIABILITY_OUT;
    if (out) {
      const all = fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : [];
      const f = {
        group: 'Load and faults',
        test: 'A server that writes 200 MB of logs, in the real VS Code extension host',
        figure: `logged in ${((Date.now() - t0) / 1000).toFixed(1)} s; extension host peak RSS +${growth} MB; longest event-loop stall ${Math.round(maxLag)} ms`,
      };
      fs.writeFileSync(out, JSON.stringify([...all.filter((x: { test: string }) => x.test !== f.test), f], null, 2) + '\n');
    }
    assert.ok(growth < 300, `extension host grew by ${growth} MB`);
    assert.ok(maxLag < 1000, `the extension host stalled for ${Math.round(maxLag)} ms`);
  });
});
