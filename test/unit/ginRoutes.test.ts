import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isOpenable, parseGinRoute, type GinRoute } from '../../src/core/insights/ginRoutes';
import { repoRoot } from '../support/helpers';

// Real startup output (stdout+stderr) of test/fixtures/panicky in Gin's default debug mode: built with
// `go build -o panicky .` and run as `PORT=18411 ./panicky` until SIGTERM (no paths in it to rewrite).
const ROUTES = fs.readFileSync(path.join(repoRoot(), 'test', 'unit', 'testdata', 'panics', 'gin-debug-routes.txt'), 'utf8');

const route = (method: string, p: string, handler: string, handlers = 3): GinRoute => ({ method, path: p, handler, handlers });

describe('parseGinRoute', () => {
  it('parses every route line of the captured table, and no other line', () => {
    const lines = ROUTES.replace(/\n$/, '').split('\n');
    assert.deepEqual(
      lines.map(parseGinRoute).filter((r) => r !== undefined),
      [
        route('GET', '/', 'main.main.func1'),
        route('GET', '/health', 'main.main.func2'),
        route('GET', '/users/:id', 'main.main.func3'),
        route('GET', '/boom', 'example.com/panicky/handlers.Boom'),
        route('GET', '/crash', 'example.com/panicky/handlers.Crash'),
      ],
    );
    // The warnings, the blank lines and `Listening and serving HTTP on :18411` are the other 9.
    assert.equal(lines.filter((l) => parseGinRoute(l) === undefined).length, 9);
  });

  it('methods longer than Gin pads to, long paths, wildcards, colours and CRLF', () => {
    const cases: [string, GinRoute][] = [
      ['[GIN-debug] OPTIONS /cors                     --> main.cors (4 handlers)', route('OPTIONS', '/cors', 'main.cors', 4)],
      [
        '[GIN-debug] DELETE /api/v1/organisations/:org/members/:id --> example.com/x/handlers.(*Members).Delete-fm (12 handlers)',
        route('DELETE', '/api/v1/organisations/:org/members/:id', 'example.com/x/handlers.(*Members).Delete-fm', 12),
      ],
      [
        '[GIN-debug] GET    /static/*filepath         --> github.com/gin-gonic/gin.(*RouterGroup).createStaticHandler.func1 (3 handlers)',
        route('GET', '/static/*filepath', 'github.com/gin-gonic/gin.(*RouterGroup).createStaticHandler.func1'),
      ],
      ['\x1b[36m[GIN-debug] POST   /users                    --> main.create (1 handlers)\x1b[0m\r', route('POST', '/users', 'main.create', 1)],
    ];
    for (const [line, want] of cases) assert.deepEqual(parseGinRoute(line), want, line);
  });

  it('lines that are not routes', () => {
    for (const line of [
      '',
      '[GIN-debug] Listening and serving HTTP on :8080',
      '[GIN-debug] [WARNING] Running in "debug" mode. Switch to "release" mode in production.',
      '[GIN] 2025/01/02 - 15:04:05 | 200 |  1.2ms | 127.0.0.1 | GET      "/users/1"',
      'GET    /users/:id   --> main.getUser (3 handlers)',
      '[GIN-debug] GET    /users/:id   --> main.getUser',
    ]) {
      assert.equal(parseGinRoute(line), undefined, line);
    }
  });
});

describe('isOpenable', () => {
  it('GET routes without parameters', () => {
    assert.equal(isOpenable(route('GET', '/', 'h')), true);
    assert.equal(isOpenable(route('GET', '/health', 'h')), true);
    assert.equal(isOpenable(route('GET', '/files/report_:year', 'h')), false); // Gin params may start mid-segment
    assert.equal(isOpenable(route('GET', '/users/:id', 'h')), false);
    assert.equal(isOpenable(route('GET', '/static/*filepath', 'h')), false);
    assert.equal(isOpenable(route('POST', '/users', 'h')), false); // a browser can only GET
  });
});
