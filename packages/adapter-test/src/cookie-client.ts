// A browser-like HTTP client over fetch whose cookie jar is tough-cookie's (RFC 6265 storage and
// matching: expiry, Max-Age, host-only, path, Secure), so tests see what a real user agent would keep.
import { CookieJar } from 'tough-cookie';
import { type Body, exchange, type ParsedSetCookie, parseSetCookie } from './client.ts';

/** One response, read whole. */
export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  /** The body as text. */
  readonly text: string;
  /** The body parsed as JSON when it is JSON, the text when it is not, `null` when it is empty. */
  readonly body: unknown;
  /** Every `Set-Cookie` of the response, parsed (`raw` is the header line). */
  readonly setCookies: readonly ParsedSetCookie[];
  /** The body as JSON. @throws Error quoting the body when it is not JSON */
  json<T = unknown>(): T;
}

/** What a {@link CookieClient} request sends. */
export interface Send extends Body {
  /** Extra request headers; a `cookie` header given here replaces the jar's for this request. */
  readonly headers?: Readonly<Record<string, string>>;
}

function parseBody(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * One user agent against an app over real HTTP: keeps the cookies the app sets in a tough-cookie jar
 * and sends them back, follows no redirect, reads every response whole. Cookies are not isolated by
 * port (RFC 6265 section 8.5), so {@link CookieClient.at} reaches a second instance with the same jar,
 * as a load balancer would send the same browser elsewhere.
 * @example
 * const user = new CookieClient(app.baseUrl);
 * await user.post('/login', { json: { user: 'ada' } });
 * expect((await user.get('/me')).body).toEqual({ user: 'ada' });
 */
export class CookieClient {
  readonly baseUrl: string;
  /** The jar, shared with every client made by {@link CookieClient.at}. */
  readonly jar: CookieJar;

  /** `jar` is used as is (shared), not copied. @default a new, empty jar */
  constructor(baseUrl: string, jar: CookieJar = new CookieJar()) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.jar = jar;
  }

  /** The same user agent against another base URL: one shared jar. */
  at(baseUrl: string): CookieClient {
    return new CookieClient(baseUrl, this.jar);
  }

  /** A client with a copy of the jar as it is now (a cookie captured now, replayed later). */
  snapshot(): CookieClient {
    return new CookieClient(this.baseUrl, this.jar.cloneSync() ?? new CookieJar());
  }

  /** The request's own origin, as a browser sends it in `Origin`. */
  get origin(): string {
    return new URL(this.baseUrl).origin;
  }

  /** The `Cookie` header the next request to `baseUrl` sends (`''` when the jar has none). */
  get cookie(): string {
    return this.jar.getCookieStringSync(`${this.baseUrl}/`);
  }

  /** Replaces the jar's cookies with the `name=value` pairs of a `Cookie` header (to share or forge one). */
  set cookie(header: string) {
    this.jar.removeAllCookiesSync();
    for (const pair of header.split(';')) {
      if (pair.trim() !== '') this.jar.setCookieSync(pair.trim(), `${this.baseUrl}/`);
    }
  }

  /** The jar's cookies for `baseUrl`, name → value, in the order the `Cookie` header sends them. */
  cookies(): Map<string, string> {
    return new Map(this.jar.getCookiesSync(`${this.baseUrl}/`).map((cookie) => [cookie.key, cookie.value]));
  }

  /** The request headers with the jar's cookies for `url`, unless they carry a `cookie` already. */
  #withCookies(url: string, given?: HeadersInit): Headers {
    const headers = new Headers(given);
    if (!headers.has('cookie')) {
      const cookie = this.jar.getCookieStringSync(url);
      if (cookie !== '') headers.set('cookie', cookie);
    }
    return headers;
  }

  /** Keeps the response's cookies; one the jar refuses is ignored, as a browser ignores it. */
  #keep(url: string, response: Response): string[] {
    const lines = response.headers.getSetCookie();
    for (const line of lines) this.jar.setCookieSync(line, url, { ignoreError: true });
    return lines;
  }

  /**
   * `fetch` with the jar: sends its cookies for `url` (any origin), keeps the ones the response sets,
   * follows no redirect, and leaves the body unread.
   * @example
   * const response = await browser.fetch(`${other.baseUrl}/api/session`, { headers: { accept: 'application/json' } });
   */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const response = await fetch(url, {
      ...init,
      headers: this.#withCookies(url, init.headers),
      redirect: 'manual',
    });
    this.#keep(url, response);
    return response;
  }

  async request(method: string, path: string, send: Send = {}): Promise<Reply> {
    const url = `${this.baseUrl}${path}`;
    const { response, text, json } = await exchange(method, url, this.#withCookies(url, send.headers), send);
    const lines = this.#keep(url, response);
    return {
      status: response.status,
      headers: response.headers,
      text,
      body: parseBody(text),
      setCookies: lines.map(parseSetCookie),
      json,
    };
  }

  get(path: string, send?: Send): Promise<Reply> {
    return this.request('GET', path, send);
  }

  post(path: string, send?: Send): Promise<Reply> {
    return this.request('POST', path, send);
  }
}
