/** HTTP load with autocannon (programmatic). */
import autocannon from 'autocannon';
import { cpuMs } from './servers.ts';

export interface LoadResult {
  /** 2xx responses per second of wall-clock time. */
  readonly rps: number;
  /** Server CPU time (user + system) per response, in microseconds; null without /proc. */
  readonly cpuUs: number | null;
  /**
   * Responses per second of server CPU time: what one core would serve if the server had it to itself.
   * Equal to `rps` on an idle machine with a saturated server; on a shared one, it is not distorted by
   * other processes' time slices as wall-clock rates are. null without /proc.
   */
  readonly capacity: number | null;
  readonly p50: number;
  readonly p99: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
}

/**
 * How connections use the sessions: `hot` = connection c keeps session c for the whole run (every cache
 * in the path is warm); `cold` = connection c sends sessions c, c + connections, c + 2 connections, ...
 * moving on after every response, so with at least 10× as many sessions as any cache holds, nearly every
 * request finds its session out of cache (the run reports the hit rate).
 */
export type Rotation = 'hot' | 'cold';

/**
 * Runs `connections` keep-alive connections against a route for `seconds`. When cookies are given, each
 * connection starts on its own session and uses them as `rotation` says.
 */
export async function throughput(options: {
  port: number;
  /** The server's process id, to read its CPU time. */
  pid?: number;
  route: string;
  seconds: number;
  connections: number;
  cookies: readonly string[];
  /** @default 'cold' */
  rotation?: Rotation;
  /**
   * Where in `cookies` the cold rotation starts (connection c starts at start + c). A run that goes on
   * from where the last one stopped never meets the sessions the last one just put in a cache.
   * @default 0
   */
  start?: number;
}): Promise<LoadResult> {
  const { cookies, connections } = options;
  let clientIndex = 0;
  const cpuBefore = options.pid === undefined ? null : cpuMs(options.pid);
  const started = performance.now();
  const result = await autocannon({
    url: `http://127.0.0.1:${options.port}${options.route}`,
    connections,
    pipelining: 1,
    duration: options.seconds,
    setupClient: (client) => {
      if (cookies.length === 0) return;
      let index = ((options.start ?? 0) + clientIndex++) % cookies.length;
      client.setHeaders({ cookie: cookies[index]! });
      if (options.rotation === 'hot') return;
      client.on('response', () => {
        index = (index + connections) % cookies.length;
        client.setHeaders({ cookie: cookies[index]! });
      });
    },
  });
  const elapsed = (performance.now() - started) / 1000;
  const cpuAfter = options.pid === undefined ? null : cpuMs(options.pid);
  const answered = result['2xx'] + result.non2xx;
  const cpuUs =
    cpuBefore === null || cpuAfter === null || answered === 0
      ? null
      : ((cpuAfter - cpuBefore) * 1000) / answered;
  return {
    rps: result['2xx'] / Math.max(elapsed, options.seconds),
    cpuUs,
    capacity: cpuUs === null || cpuUs === 0 ? null : 1e6 / cpuUs,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** Sends `amount` requests to `/write` over `connections` connections, all with one session's cookie. */
export async function contention(options: {
  port: number;
  cookie: string;
  amount: number;
  connections: number;
}): Promise<{ ok: number; failed: number }> {
  const result = await autocannon({
    url: `http://127.0.0.1:${options.port}/write`,
    connections: options.connections,
    pipelining: 1,
    amount: options.amount,
    headers: { cookie: options.cookie },
  });
  return { ok: result['2xx'], failed: result.non2xx + result.errors + result.timeouts };
}
