// Test support (not exported): this package's secret and a listen() for fetch handlers; the Node server,
// failing-store and cookie helpers are the ones every adapter's tests share.
import { listen as listenNode, type Running } from '@cloakroom/session-adapter-test';
import { getRequestListener } from '@hono/node-server';

export { cookieOf, type ProbeStore, probeStore, type Running } from '@cloakroom/session-adapter-test';

export const SECRET = 'hono-adapter-test-secret-0123456789abcdef';

/** Serves a fetch handler (a Hono app's `fetch`) through `@hono/node-server` on an ephemeral port. */
export function listen(fetch: (request: Request) => Response | Promise<Response>): Promise<Running> {
  return listenNode(getRequestListener(fetch));
}
