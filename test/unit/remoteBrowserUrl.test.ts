import * as assert from 'node:assert/strict';
import { routeUnder } from '../../src/extension/browserUrl';

/** Open in Browser and Gin Routes links: the route goes under the root that port forwarding gave. */
describe('a route under the forwarded root (remote)', () => {
  const cases: [string, string, string, { path: string; query: string }][] = [
    // desktop VS Code on the same machine: asExternalUri gives localhost back
    ['/', '', '/', { path: '/', query: '' }],
    ['/', '', '/users', { path: '/users', query: '' }],
    // code-server: /proxy/<port>/ (its answer keeps no path of ours)
    ['/proxy/8080/', '', '/', { path: '/proxy/8080/', query: '' }],
    ['/proxy/8080/', '', '/home', { path: '/proxy/8080/home', query: '' }],
    ['/proxy/8080/', '', '/users/', { path: '/proxy/8080/users/', query: '' }],
    ['/proxy/8080/', '', '/search?q=a/b&x=%2F', { path: '/proxy/8080/search', query: 'q=a/b&x=%2F' }],
    ['/proxy/8080', '', '/home', { path: '/proxy/8080/home', query: '' }],
    ['/absproxy/8080//', '', '/home', { path: '/absproxy/8080/home', query: '' }],
    // a forwarder whose root carries a query (a token) keeps it unless the route has its own
    ['/', 'tkn=1', '/home', { path: '/home', query: 'tkn=1' }],
    ['/', 'tkn=1', '/home?x=1', { path: '/home', query: 'x=1' }],
    // a route without its leading slash, and a Gin path with characters a URL escapes later
    ['/proxy/8080/', '', 'home', { path: '/proxy/8080/home', query: '' }],
    ['/proxy/8080/', '', '/café/menü', { path: '/proxy/8080/café/menü', query: '' }],
  ];
  for (const [rootPath, rootQuery, route, want] of cases) {
    it(`${rootPath}${rootQuery ? `?${rootQuery}` : ''} + ${route}`, () => assert.deepEqual(routeUnder(rootPath, rootQuery, route), want));
  }
});
