import { type PrivateServer, probe, startPrivateServer } from './private-server.ts';

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** The `redis-server` binary. @default process.env.REDIS_SERVER_BIN, else 'redis-server' on PATH */
  readonly binary?: string | undefined;
  /** Loopback port. @default a free port the OS picks */
  readonly port?: number | undefined;
  /** How long to wait for the server to answer PING, in milliseconds. @default 5_000 */
  readonly startTimeout?: number | undefined;
}

/** A private, throw-away `redis-server` (no RDB, no AOF) a test can stop and restart. */
export type RedisServer = PrivateServer;

/**
 * Starts a private `redis-server` on a loopback port, with `--save ''` and `--appendonly no`, for
 * tests that take the store down (`stop()`) and bring it back (`start()`, empty). It never touches the
 * machine's own Redis. The process is killed when the test process exits.
 * @throws Error naming the binary when `redis-server` cannot be started or does not answer PING in time
 * @example
 * const redis = await startRedisServer();
 * const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
 * await redis.stop(); // the store is down
 * await redis.start(); // and back, empty
 * await redis.close();
 */
export function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  return startPrivateServer({
    caller: 'startRedisServer',
    binary: options.binary ?? process.env.REDIS_SERVER_BIN ?? 'redis-server',
    hint: 'install redis-server or set REDIS_SERVER_BIN',
    args: (port) => [
      ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      ...['--daemonize', 'no', '--loglevel', 'warning'],
    ],
    url: (port) => `redis://127.0.0.1:${port}`,
    ready: (port) => probe(port, 'PING\r\n', (line) => line === '+PONG'),
    port: options.port,
    startTimeout: options.startTimeout,
  });
}
