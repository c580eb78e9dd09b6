/** A `Set-Cookie` header, parsed. Attribute names are lower-cased; flags map to `true`. */
export interface ParsedSetCookie {
  readonly name: string;
  readonly value: string;
  readonly attributes: ReadonlyMap<string, string | true>;
  readonly raw: string;
}

/** Parses one `Set-Cookie` header value (RFC 6265 section 5.2, without decoding the value). */
export function parseSetCookie(raw: string): ParsedSetCookie {
  const [pair = '', ...parts] = raw.split(';');
  const eq = pair.indexOf('=');
  const attributes = new Map<string, string | true>();
  for (const part of parts) {
    const index = part.indexOf('=');
    if (index === -1) attributes.set(part.trim().toLowerCase(), true);
    else attributes.set(part.slice(0, index).trim().toLowerCase(), part.slice(index + 1).trim());
  }
  return {
    name: (eq === -1 ? '' : pair.slice(0, eq)).trim(),
    value: (eq === -1 ? pair : pair.slice(eq + 1)).trim(),
    attributes,
    raw,
  };
}

/** A body a test sends: JSON, a urlencoded form, or raw text (its content-type in the headers). */
export interface Body {
  readonly json?: unknown;
  readonly form?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** One request without redirects, read whole: what both test clients send through. */
export async function exchange(
  method: string,
  url: string,
  headers: Headers,
  send: Body,
): Promise<{ readonly response: Response; readonly text: string; json<T>(): T }> {
  let body: string | undefined = send.body;
  if (send.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(send.json);
  } else if (send.form !== undefined) {
    headers.set('content-type', 'application/x-www-form-urlencoded');
    body = new URLSearchParams(send.form).toString();
  }
  const response = await fetch(url, {
    method,
    headers,
    redirect: 'manual',
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  return {
    response,
    text,
    json<T>(): T {
      try {
        return JSON.parse(text) as T;
      } catch {
        const { pathname, search } = new URL(url);
        const path = `${pathname}${search}`;
        throw new Error(
          `${method} ${path} answered ${response.status} with a body that is not JSON: ${text.slice(0, 300)}`,
        );
      }
    },
  };
}

/** What a scenario observes of one response. */
export interface Observed {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
  /** Every `Set-Cookie` of the response, parsed. */
  readonly setCookies: readonly ParsedSetCookie[];
  /** The body parsed as JSON. @throws Error quoting the body when it is not JSON */
  json<T = Record<string, unknown>>(): T;
}

/** A request a scenario sends. */
export interface Send {
  /** The session cookie value to send, if any (sent as `<name>=<value>`). */
  readonly cookie?: string | null | undefined;
  /** A whole `Cookie` header, sent as is (instead of `cookie`). */
  readonly rawCookie?: string | undefined;
  /** A JSON body. */
  readonly json?: unknown;
  /** An `application/x-www-form-urlencoded` body. */
  readonly form?: Readonly<Record<string, string>>;
  /** Extra request headers. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A tiny HTTP client that keeps no cookie jar: every scenario says exactly which cookie it sends. */
export class ScenarioClient {
  readonly baseUrl: string;
  readonly cookieName: string;

  constructor(baseUrl: string, cookieName: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.cookieName = cookieName;
  }

  /** The request's own origin, as a browser would send it in `Origin`. */
  get origin(): string {
    return new URL(this.baseUrl).origin;
  }

  async request(method: string, path: string, send: Send = {}): Promise<Observed> {
    const headers = new Headers(send.headers);
    if (send.rawCookie !== undefined) headers.set('cookie', send.rawCookie);
    else if (send.cookie !== undefined && send.cookie !== null) {
      headers.set('cookie', `${this.cookieName}=${send.cookie}`);
    }
    const { response, text, json } = await exchange(method, `${this.baseUrl}${path}`, headers, send);
    return {
      status: response.status,
      headers: response.headers,
      body: text,
      setCookies: response.headers.getSetCookie().map(parseSetCookie),
      json,
    };
  }

  get(path: string, send?: Send): Promise<Observed> {
    return this.request('GET', path, send);
  }

  post(path: string, send?: Send): Promise<Observed> {
    return this.request('POST', path, send);
  }
}
