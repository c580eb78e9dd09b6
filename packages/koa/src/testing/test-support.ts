// Test support (not exported): this package's secret; the HTTP server and failing-store helpers are the
// ones every adapter's tests share, from @cloakroom/session-adapter-test.
export { cookieOf, listen, type ProbeStore, probeStore, type Running } from '@cloakroom/session-adapter-test';

export const SECRET = 'koa-adapter-test-secret-0123456789abcdef';
