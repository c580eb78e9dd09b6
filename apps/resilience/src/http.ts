// HTTP from the tests' side: raw bytes over a socket (for headers no HTTP client would send), and a
// small cookie-keeping client over fetch.
import { connect } from 'node:net';

/** What a raw request observed. */
export interface RawResponse {
  /** The status code, or 0 when the server closed the connection without answering. */
  readonly status: number;
  /** The whole answer as latin1 text (head and body). */
  readonly text: string;
}

/**
 * Sends `GET <path>` with `Cookie: <cookie bytes>` on a fresh connection, byte for byte (CR and LF are
 * replaced by spaces so the cookie stays one header), and resolves what came back before the server
 * closed. A reset after an answer started still resolves that answer.
 * @throws Error when the server does not answer or close within `timeoutMs`.
 */
export function rawCookieRequest(
  port: number,
  path: string,
  cookie: Uint8Array,
  timeoutMs = 10_000,
): Promise<RawResponse> {
  const safe = Buffer.from(cookie.map((byte) => (byte === 13 || byte === 10 ? 32 : byte)));
  const head = Buffer.concat([
    Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\nCookie: `, 'latin1'),
    safe,
    Buffer.from('\r\n\r\n', 'latin1'),
  ]);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: match ? Number(match[1]) : 0, text });
    };
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms to a ${head.length}-byte request`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', finish); // EPIPE/ECONNRESET once the server gave up on a huge head
    socket.on('connect', () => socket.end(head));
  });
}

/** The answer {@link Client} observed. */
export interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly setCookies: string[];
}

/** A tiny browser: keeps the cookies the app set (by name) and sends them back. */
export class Client {
  readonly #base: string;
  readonly #jar = new Map<string, string>();

  constructor(baseUrl: string) {
    this.#base = baseUrl;
  }

  /** The `Cookie` header the next request sends. */
  get cookie(): string {
    return Array.from(this.#jar, ([name, value]) => `${name}=${value}`).join('; ');
  }

  /** Sets the cookie header by hand (to share one session between clients and apps). */
  set cookie(header: string) {
    this.#jar.clear();
    for (const pair of header.split(';')) {
      const at = pair.indexOf('=');
      if (at > 0) this.#jar.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
  }

  /** Another client at another base URL holding the same cookies (a second instance behind a balancer). */
  at(baseUrl: string): Client {
    const other = new Client(baseUrl);
    other.cookie = this.cookie;
    return other;
  }

  async request(method: string, path: string, json?: unknown): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (this.#jar.size > 0) headers.cookie = this.cookie;
    if (json !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.#base}${path}`, {
      method,
      headers,
      redirect: 'manual',
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
    const setCookies = response.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (value === '' || /max-age=0\b/i.test(line)) this.#jar.delete(name);
      else this.#jar.set(name, value);
    }
    const raw = await response.text();
    let body: unknown = raw;
    try {
      body = raw === '' ? null : JSON.parse(raw);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body, setCookies };
  }

  get(path: string): Promise<Reply> {
    return this.request('GET', path);
  }

  post(path: string, json?: unknown): Promise<Reply> {
    return this.request('POST', path, json);
  }
}
