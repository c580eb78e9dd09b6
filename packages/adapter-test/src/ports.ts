import { once } from 'node:events';
import { createServer } from 'node:net';

/**
 * A loopback port nothing listens on right now: the kernel hands one out, and it is released at once.
 * Another process may take it before the caller binds it, so a caller that cannot retry should bind
 * port 0 itself (as {@link listen} does).
 * @throws Error when no port could be had
 * @example
 * const port = await freePort();
 * spawn('redis-server', ['--port', String(port)]);
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string')
    throw new Error('freePort: no loopback port was handed out');
  return address.port;
}
