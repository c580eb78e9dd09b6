// Requests without cookies, as fast as a keep-alive pool allows: reads of the session, a destroy of a
// session that does not exist, and unknown routes, in turn.
import { type Agent, request } from 'node:http';

/** What {@link flood} observed. */
export interface FloodResult {
  readonly statuses: Map<number, number>;
  /** Responses that carried a `Set-Cookie`. */
  readonly setCookies: number;
  /** How many requests went to an unknown route (answered 404). */
  readonly notFound: number;
}

const ROUTES: ReadonlyArray<[string, string]> = [
  ['GET', '/read?key=a'],
  ['GET', '/read?key=__proto__'],
  ['POST', '/destroy'],
  ['GET', '/no-such-route'],
];

function once(
  port: number,
  agent: Agent,
  method: string,
  path: string,
): Promise<{ status: number; cookie: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, agent, headers: { 'content-length': '0' } },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, cookie: res.headers['set-cookie'] !== undefined }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Sends `total` cookie-less requests with `concurrency` in flight. */
export async function flood(options: {
  port: number;
  agent: Agent;
  total: number;
  concurrency: number;
}): Promise<FloodResult> {
  const statuses = new Map<number, number>();
  let setCookies = 0;
  let notFound = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < options.total) {
      const [method, path] = ROUTES[next++ % ROUTES.length]!;
      if (path === '/no-such-route') notFound++;
      const { status, cookie } = await once(options.port, options.agent, method, path);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (cookie) setCookies++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { statuses, setCookies, notFound };
}
