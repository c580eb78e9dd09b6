// A TCP proxy on loopback between an app and a real server, told at run time to misbehave: the outages a
// store client meets in production (server down, network partition, slow server), without a mock.
import { createConnection, createServer, type Socket } from 'node:net';

/**
 * - `pass`: bytes flow both ways.
 * - `refuse`: open connections are reset and new ones are reset on accept (the server is down).
 * - `blackhole`: connections are accepted, then nothing flows either way (a partition: clients wait
 *   for their own timeouts). TCP never loses bytes inside a live connection, so connections that had
 *   bytes dropped are reset when the blackhole ends, as a real partition ends with broken connections.
 * - `delay`: bytes flow, each chunk held back by the delay (a slow server).
 */
export type FaultMode = 'pass' | 'refuse' | 'blackhole' | 'delay';

/** A running fault proxy. */
export interface FaultProxy {
  /** The loopback port clients connect to. */
  readonly port: number;
  /**
   * `url` with its host and port replaced by the proxy's (`redis://127.0.0.1:6379/0` →
   * `redis://127.0.0.1:<port>/0`); a bare `host:port` (memcached) becomes `127.0.0.1:<port>`.
   */
  via(url: string): string;
  /** The current mode. */
  readonly mode: FaultMode;
  /** Connections accepted since start (refused ones included). */
  readonly accepted: number;
  /** Switches the mode; `delayMs` is used by `delay`. */
  set(mode: FaultMode, delayMs?: number): void;
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

/**
 * Starts a fault proxy on an ephemeral 127.0.0.1 port in front of `target`.
 * @throws Error when it cannot listen on loopback
 * @example
 * const proxy = await startFaultProxy({ host: '127.0.0.1', port: 6379 });
 * proxy.set('refuse'); // ... the app sees Redis go away ...
 * proxy.set('pass');
 */
export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  let mode: FaultMode = 'pass';
  let delayMs = 0;
  let accepted = 0;
  const open = new Set<Socket>();
  const starved = new Set<Socket>();

  // Chunks held back by `delay`, per direction, flushed in order when their time comes or when the
  // mode changes (the server got fast again).
  const held = new Set<() => void>();
  const pipe = (from: Socket, to: Socket): void => {
    from.on('data', (chunk: Buffer) => {
      if (mode === 'blackhole' || mode === 'refuse') {
        starved.add(from);
        starved.add(to);
        return;
      }
      if (mode === 'delay' && delayMs > 0) {
        // Order is kept: the source pauses until this chunk went through.
        from.pause();
        const release = (): void => {
          clearTimeout(timer);
          held.delete(release);
          if (!to.destroyed) to.write(chunk);
          if (!from.destroyed) from.resume();
        };
        const timer = setTimeout(release, delayMs);
        timer.unref();
        held.add(release);
        return;
      }
      if (!to.destroyed) to.write(chunk);
    });
  };

  const server = createServer((client) => {
    accepted++;
    if (mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection(target);
    open.add(client);
    open.add(upstream);
    const drop = (): void => {
      for (const socket of [client, upstream]) {
        open.delete(socket);
        starved.delete(socket);
      }
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) socket.on('error', drop).on('close', drop);
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fault proxy: no port');

  const { port } = address;
  return {
    port,
    via(url) {
      if (!url.includes('://')) return `127.0.0.1:${port}`;
      const through = new URL(url);
      through.host = `127.0.0.1:${port}`;
      return through.toString();
    },
    get mode() {
      return mode;
    },
    get accepted() {
      return accepted;
    },
    set(next, delay = 0) {
      mode = next;
      delayMs = delay;
      if (next !== 'delay') for (const release of [...held]) release();
      if (next === 'refuse') {
        for (const socket of open) socket.resetAndDestroy();
        open.clear();
        starved.clear();
      } else if (next !== 'blackhole') {
        for (const socket of starved) socket.resetAndDestroy();
        starved.clear();
      }
    },
    async close() {
      for (const socket of open) socket.destroy();
      open.clear();
      starved.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
