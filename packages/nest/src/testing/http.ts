import { type Agent, request } from 'node:http';

/** What a test observes of a response. */
export interface Observed {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly setCookies: string[];
  json<T = unknown>(): T;
  /** The `name=value` pair of the named cookie this response set, if any. */
  cookie(name: string): string | undefined;
}

/** What a test sends. */
export interface Send {
  method?: string;
  cookie?: string | undefined;
  json?: unknown;
  headers?: Record<string, string>;
  /** A keep-alive agent to reuse one connection; by default each request has its own (`Connection: close`). */
  agent?: Agent;
}

/**
 * One request over real HTTP with node:http. Without an agent the connection closes with the response,
 * so `app.close()` never waits for an idle keep-alive connection of the test's own.
 */
export function send(baseUrl: string, path: string, options: Send = {}): Promise<Observed> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.cookie !== undefined) headers.cookie = options.cookie;
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  return new Promise((resolve, reject) => {
    const outgoing = request(
      `${baseUrl}${path}`,
      {
        method: options.method ?? (body === undefined ? 'GET' : 'POST'),
        headers,
        agent: options.agent ?? false,
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const setCookies = incoming.headers['set-cookie'] ?? [];
          resolve({
            status: incoming.statusCode ?? 0,
            body: text,
            headers: incoming.headers,
            setCookies,
            json: <T>() => JSON.parse(text) as T,
            cookie: (name) => setCookies.find((line) => line.startsWith(`${name}=`))?.split(';')[0],
          });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
