import { type ParsedSetCookie, parseSetCookie } from '@cloakroom/session-adapter-test';

/** One response, read whole. */
export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly setCookies: readonly ParsedSetCookie[];
  /** The body as JSON. @throws Error quoting the body when it is not JSON */
  json<T = unknown>(): T;
}

/** What to send. */
export interface Send {
  readonly json?: unknown;
  readonly form?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** A raw body, sent as is (set its content-type in `headers`). */
  readonly body?: string;
}

/**
 * A browser-like HTTP client for one user agent: a cookie jar (name → value, updated from every
 * `Set-Cookie`, emptied by an expiring one), no redirects followed, every response read whole.
 */
export class Agent {
  readonly baseUrl: string;
  readonly jar: Map<string, string>;

  /** `jar` is used as is (shared), not copied. */
  constructor(baseUrl: string, jar: Map<string, string> = new Map()) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.jar = jar;
  }

  /** The same user agent against another instance (a load balancer sending it elsewhere): one shared jar. */
  at(baseUrl: string): Agent {
    return new Agent(baseUrl, this.jar);
  }

  /** A copy with its own jar (a cookie captured now, replayed later). */
  snapshot(): Agent {
    return new Agent(this.baseUrl, new Map(this.jar));
  }

  get origin(): string {
    return new URL(this.baseUrl).origin;
  }

  cookieHeader(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async request(method: string, path: string, send: Send = {}): Promise<Reply> {
    const headers = new Headers(send.headers);
    if (this.jar.size > 0 && !headers.has('cookie')) headers.set('cookie', this.cookieHeader());
    let body: string | undefined = send.body;
    if (send.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(send.json);
    } else if (send.form !== undefined) {
      headers.set('content-type', 'application/x-www-form-urlencoded');
      body = new URLSearchParams(send.form).toString();
    }
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      redirect: 'manual',
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    const setCookies = response.headers.getSetCookie().map(parseSetCookie);
    for (const cookie of setCookies) {
      const expires = cookie.attributes.get('expires');
      const gone =
        cookie.value === '' ||
        cookie.attributes.get('max-age') === '0' ||
        (typeof expires === 'string' && Date.parse(expires) <= Date.now());
      if (gone) this.jar.delete(cookie.name);
      else this.jar.set(cookie.name, cookie.value);
    }
    return {
      status: response.status,
      headers: response.headers,
      text,
      setCookies,
      json<T>(): T {
        try {
          return JSON.parse(text) as T;
        } catch {
          throw new Error(
            `${method} ${path} answered ${response.status} with a body that is not JSON: ${text.slice(0, 300)}`,
          );
        }
      },
    };
  }

  get(path: string, send?: Send): Promise<Reply> {
    return this.request('GET', path, send);
  }

  post(path: string, send?: Send): Promise<Reply> {
    return this.request('POST', path, send);
  }
}

/** The demo's JSON state, as `GET /api/session` answers it. */
export interface DemoState {
  user: string | null;
  count: number;
  cart: string[];
  flash: string[];
}

/** The `_csrf` value of the first form on a page. @throws Error when the page has none */
export function csrfTokenOf(html: string): string {
  const match =
    /<input[^>]*name="_csrf"[^>]*value="([^"]+)"/.exec(html) ??
    /<input[^>]*value="([^"]+)"[^>]*name="_csrf"/.exec(html);
  if (!match) throw new Error(`e2e: the page carries no _csrf field: ${html.slice(0, 300)}`);
  return match[1]!
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");
}
