/** HTTP load with autocannon (programmatic). */
import autocannon from 'autocannon';

export interface LoadResult {
  /** 2xx responses per second. */
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
}

/**
 * Runs `connections` keep-alive connections against a route for `seconds`. When cookies are given, each
 * connection starts on its own session and moves to the next one of its share after every response
 * (connection c sends sessions c, c + connections, c + 2 connections, ...), so every request of a run
 * uses a different session than the one before it and the whole list is cycled through.
 */
export async function throughput(options: {
  port: number;
  route: string;
  seconds: number;
  connections: number;
  cookies: readonly string[];
}): Promise<LoadResult> {
  const { cookies, connections } = options;
  let clientIndex = 0;
  const started = performance.now();
  const result = await autocannon({
    url: `http://127.0.0.1:${options.port}${options.route}`,
    connections,
    pipelining: 1,
    duration: options.seconds,
    setupClient: (client) => {
      if (cookies.length === 0) return;
      let index = clientIndex++ % cookies.length;
      client.setHeaders({ cookie: cookies[index]! });
      client.on('response', () => {
        index = (index + connections) % cookies.length;
        client.setHeaders({ cookie: cookies[index]! });
      });
    },
  });
  const elapsed = (performance.now() - started) / 1000;
  return {
    rps: result['2xx'] / Math.max(elapsed, options.seconds),
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
