import * as assert from 'node:assert/strict';
import { say } from '../../src/core/engine/output';
import type { EngineOutput } from '../../src/core/engine/state';

/** The typed output contract: one call writes the log (at the matching level) and the output event. */
describe('engine output: say()', () => {
  function sink() {
    const logged: string[] = [];
    const out: EngineOutput[] = [];
    const log = {
      trace: (m: string) => logged.push(`trace ${m}`),
      info: (m: string) => logged.push(`info ${m}`),
      warn: (m: string) => logged.push(`warn ${m}`),
      error: (m: string) => logged.push(`error ${m}`),
    };
    return { logged, out, s: { log, out: (o: EngineOutput) => out.push(o) } };
  }

  it('carries the level and the hint as fields, never as a glyph in the text', () => {
    const { logged, out, s } = sink();
    say(s, 'error', 'Port 8080 is in use by pid 7 (nc).', { hint: 'Stop it (kill 7).' });
    say(s, 'warning', 'env file .env could not be read');
    say(s, 'success', 'ready in 12 ms on :8080', { log: false });
    say(s, 'info', '$ go build', { log: 'build: $ go build' });
    assert.deepEqual(out, [
      {
        source: 'engine',
        level: 'error',
        message: 'Port 8080 is in use by pid 7 (nc).',
        hint: 'Stop it (kill 7).',
        text: 'Port 8080 is in use by pid 7 (nc).\n  Stop it (kill 7).\n',
      },
      { source: 'engine', level: 'warning', message: 'env file .env could not be read', text: 'env file .env could not be read\n' },
      { source: 'engine', level: 'success', message: 'ready in 12 ms on :8080', text: 'ready in 12 ms on :8080\n' },
      { source: 'engine', level: 'info', message: '$ go build', text: '$ go build\n' },
    ]);
    assert.deepEqual(logged, ['error Port 8080 is in use by pid 7 (nc). Stop it (kill 7).', 'warn env file .env could not be read', 'info build: $ go build']);
  });
});
