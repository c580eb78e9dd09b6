import { type PrivateServer, probe, startPrivateServer } from './private-server.ts';

/** Options of {@link startMemcachedServer}. */
export interface MemcachedServerOptions {
  /** The `memcached` binary. @default process.env.MEMCACHED_BIN, else 'memcached' on PATH */
  readonly binary?: string | undefined;
  /** Loopback port. @default a free port the OS picks */
  readonly port?: number | undefined;
  /** Memory limit in megabytes. @default 64 */
  readonly memoryMb?: number | undefined;
  /** How long to wait for the server to answer `version`, in milliseconds. @default 5_000 */
  readonly startTimeout?: number | undefined;
}

/** A private `memcached` (TCP only); `url` is `127.0.0.1:<port>`, the form memcached clients take. */
export type MemcachedServer = PrivateServer;

/**
 * Starts a private `memcached` on a loopback port (no UDP, up to 4 096 connections), for tests that need
 * one where none listens at `MEMCACHED_URL`, or that stop and restart it. As root it runs as `root`
 * (memcached refuses root without `-u`). The process is killed when the test process exits.
 * @throws Error naming the binary when `memcached` cannot be started or does not answer in time
 * @example
 * const memcached = await startMemcachedServer();
 * const store = memcachedStore({ servers: [memcached.url] });
 * await memcached.close();
 */
export function startMemcachedServer(options: MemcachedServerOptions = {}): Promise<MemcachedServer> {
  const memory = String(options.memoryMb ?? 64);
  return startPrivateServer({
    caller: 'startMemcachedServer',
    binary: options.binary ?? process.env.MEMCACHED_BIN ?? 'memcached',
    hint: 'install memcached or set MEMCACHED_BIN',
    args: (port) => [
      ...['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', memory, '-c', '4096'],
      ...(process.getuid?.() === 0 ? ['-u', 'root'] : []),
    ],
    url: (port) => `127.0.0.1:${port}`,
    ready: (port) => probe(port, 'version\r\n', (line) => line.startsWith('VERSION')),
    port: options.port,
    startTimeout: options.startTimeout,
  });
}
