import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** How the proxy treats traffic. */
export type FaultMode =
  /** Forward both ways. */
  | 'pass'
  /** Reset every connection, new and open. */
  | 'refuse'
  /** Accept, then forward nothing either way (a network partition: clients hang until their timeouts). */
  | 'blackhole'
  /** Forward, holding every chunk back `delayMs` first. */
  | 'delay';

/** A TCP proxy on loopback in front of a real server, that refuses, black-holes or delays on command. */
export interface FaultProxy {
  readonly port: number;
  readonly url: (scheme: string, path?: string) => string;
  set(mode: FaultMode, delayMs?: number): void;
  readonly mode: FaultMode;
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
}

/** Starts a fault proxy on an ephemeral loopback port in front of `target`. */
export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  let mode: FaultMode = 'pass';
  let delayMs = 0;
  const pairs = new Set<Pair>();

  const forward = (from: Socket, to: Socket) => {
    from.on('data', (chunk: Buffer) => {
      if (mode === 'blackhole') return; // dropped on the floor, like a dead link
      if (mode === 'delay' && delayMs > 0) {
        from.pause();
        setTimeout(() => {
          if (!to.destroyed) to.write(chunk);
          from.resume();
        }, delayMs);
      } else if (!to.destroyed) {
        to.write(chunk);
      }
    });
  };

  const server: Server = createServer((client) => {
    if (mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection(target);
    const pair = { client, upstream };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fault proxy: no port');
  const port = address.port;

  return {
    port,
    url: (scheme, path = '') => `${scheme}://127.0.0.1:${port}${path}`,
    get mode() {
      return mode;
    },
    set(next, delay = 0) {
      mode = next;
      delayMs = delay;
      if (next === 'refuse') {
        for (const pair of pairs) {
          pair.client.resetAndDestroy();
          pair.upstream.destroy();
        }
        pairs.clear();
      }
    },
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
