/**
 * CSRF defences every adapter exposes, decided here once. SameSite=Lax alone does not stop login CSRF
 * from a sibling subdomain (same site, different origin), so unsafe requests are checked by origin, and
 * forms by a per-session token. An adapter only says how to read the method, a header and the form field
 * from its framework ({@link CsrfRequestView}); the options and the decision ({@link csrfAllows}) are the
 * same everywhere.
 */
import { SessionError } from './errors.ts';
import type { Session, SessionData } from './session.ts';

/**
 * Which unsafe requests must carry the session's token. `'forms'`: those with a content type an HTML
 * form (or a fetch without a preflight) can send cross-site; the others are covered by the Origin check,
 * since browsers preflight them. `'all'`: every unsafe request.
 */
export type CsrfTokenRequirement = 'forms' | 'all';

/** Options of the CSRF check, the same in every adapter. */
export interface CsrfOptions {
  /** The form field that carries the token. @default '_csrf' */
  field?: string;
  /** The request header that carries the token (for `fetch`, XHR and multipart forms). @default 'x-csrf-token' */
  header?: string;
  /**
   * Which unsafe requests must carry the session's token: `'forms'` (`application/x-www-form-urlencoded`,
   * `multipart/form-data`, `text/plain`) or `'all'`.
   * @default 'forms'
   */
  requireToken?: CsrfTokenRequirement;
  /**
   * Largest form body, in bytes, the check reads itself to find the token field when no header carries
   * it (where the adapter reads the body: Koa without a body parser, Hono, Next). A longer body is not
   * read, and the request is refused for want of a token. Where a body parser ran first (Express, Nest,
   * Koa with a parser), that parser's own limit applies.
   * @default 65_536
   */
  bodyLimit?: number;
  /** Other origins allowed to send unsafe requests, e.g. `https://admin.example.com`. @default [] */
  allowedOrigins?: readonly string[];
}

/** {@link CsrfOptions} with the defaults applied and checked, from {@link resolveCsrfOptions}. */
export interface ResolvedCsrfOptions {
  readonly field: string;
  /** Lower case. */
  readonly header: string;
  readonly requireToken: CsrfTokenRequirement;
  readonly bodyLimit: number;
  readonly allowedOrigins: readonly string[];
}

/** What the CSRF decision needs from one request, however the framework exposes it. */
export interface CsrfRequestView {
  /** The HTTP method. */
  readonly method: string;
  /** One request header by its lower-case name; null or undefined when absent. */
  header(name: string): string | null | undefined;
  /**
   * The origins this request counts as its own, e.g. `https://example.com` (scheme from the adapter's
   * secure detection, host from `Host` or, behind a trusted proxy, `X-Forwarded-Host`).
   */
  readonly ownOrigin: string | readonly string[];
  /**
   * The token field of a form body. Called at most once, and only for an unsafe request that needs a
   * token, passes the origin check and carries no token header. Resolves undefined when the body is not
   * a form, has no such field, or is over `bodyLimit`.
   */
  formField(): Promise<string | undefined>;
}

/** What {@link checkOrigin} needs from the request (an older, flat view; also used for handshakes). */
export interface CsrfRequest {
  /** HTTP method. */
  method: string;
  /** The `Origin` header, if any. */
  origin?: string | null | undefined;
  /** The `Sec-Fetch-Site` header, if any. */
  secFetchSite?: string | null | undefined;
  /** The request's own origin, e.g. `https://example.com` (scheme from the adapter's secure detection). */
  selfOrigin: string;
  /** The submitted token (form field or header), if any. */
  token?: unknown;
  /** Whether this request must carry a valid token. */
  requireToken: boolean;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** The content types a cross-site HTML form (or a fetch without a preflight) can send. */
const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

const DEFAULTS: ResolvedCsrfOptions = Object.freeze({
  field: '_csrf',
  header: 'x-csrf-token',
  requireToken: 'forms',
  bodyLimit: 65_536,
  allowedOrigins: Object.freeze([]) as readonly string[],
});

// RFC 9110 section 5.6.2: a header name is a token.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Whether a method is safe (RFC 9110 section 9.2.1): no CSRF check applies. */
export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method.toUpperCase());
}

/** The media type of a `Content-Type` value, lower case, without parameters (`''` when absent). */
export function mediaTypeOf(contentType: string | null | undefined): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

/** The first value of a comma-separated forwarded header (`X-Forwarded-Host`, `X-Forwarded-Proto`). */
export function firstForwarded(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const first = value.split(',', 1)[0]!.trim();
  return first === '' ? undefined : first;
}

/**
 * A request's own origin: its scheme and its host, or the first `X-Forwarded-Host` when the adapter
 * trusts a proxy (any client can send that header, so it counts only then).
 * @example
 * requestOrigin({ secure, host: headers.get('host'), forwardedHost: headers.get('x-forwarded-host'), trustProxy })
 */
export function requestOrigin(request: {
  readonly secure: boolean;
  readonly host: string | null | undefined;
  readonly forwardedHost?: string | null | undefined;
  readonly trustProxy: boolean;
}): string {
  const host = (request.trustProxy ? firstForwarded(request.forwardedHost) : undefined) ?? request.host ?? '';
  return `${request.secure ? 'https' : 'http'}://${host}`;
}

/**
 * Applies the defaults to {@link CsrfOptions} and checks them, once, when an adapter builds its check.
 * @param where - the prefix of error messages, e.g. `@cloakroom/session-koa: csrf()`
 * @throws SessionError `SESSION_CONFIG` for an option of the wrong kind (a negative or fractional
 *   `bodyLimit`, an empty field, a header name that is not a token, an unknown `requireToken`).
 */
export function resolveCsrfOptions(
  options: CsrfOptions = {},
  where = '@cloakroom/session-core: csrf',
): ResolvedCsrfOptions {
  const fail = (message: string): never => {
    throw new SessionError('SESSION_CONFIG', `${where}: ${message}`);
  };
  if (options === null || typeof options !== 'object') fail('the CSRF options must be an object.');
  const field = options.field ?? DEFAULTS.field;
  if (typeof field !== 'string' || field === '') fail('csrf field must be a non-empty string.');
  const header = options.header ?? DEFAULTS.header;
  if (typeof header !== 'string' || !HEADER_NAME.test(header)) fail('csrf header must be a header name.');
  const requireToken = options.requireToken ?? DEFAULTS.requireToken;
  if (requireToken !== 'forms' && requireToken !== 'all') fail("csrf requireToken must be 'forms' or 'all'.");
  const bodyLimit = options.bodyLimit ?? DEFAULTS.bodyLimit;
  if (!Number.isSafeInteger(bodyLimit) || bodyLimit < 0) {
    fail('csrf bodyLimit must be a whole number of bytes.');
  }
  const allowed = options.allowedOrigins ?? DEFAULTS.allowedOrigins;
  if (!Array.isArray(allowed) || !allowed.every((origin) => typeof origin === 'string')) {
    fail('csrf allowedOrigins must be an array of origins such as https://admin.example.com.');
  }
  return Object.freeze({
    field,
    header: header.toLowerCase(),
    requireToken,
    bodyLimit,
    allowedOrigins: Object.freeze([...allowed]),
  });
}

function originAllowed(
  origin: string | null | undefined,
  secFetchSite: string | null | undefined,
  own: string | readonly string[],
  allowed: readonly string[],
): boolean {
  if (origin !== undefined && origin !== null && origin !== '') {
    return (typeof own === 'string' ? origin === own : own.includes(origin)) || allowed.includes(origin);
  }
  if (secFetchSite !== undefined && secFetchSite !== null && secFetchSite !== '') {
    return secFetchSite === 'same-origin' || secFetchSite === 'none';
  }
  // Neither header: not a browser (scripts, server-to-server calls, old clients), so no ambient cookies
  // are abused. Browsers send at least one of them on every unsafe request.
  return true;
}

/**
 * The Origin / `Sec-Fetch-Site` check alone (no token), e.g. for a WebSocket handshake. Requests that
 * carry neither header pass: browsers send at least one on every unsafe request.
 */
export function checkOrigin(request: CsrfRequest, options: CsrfOptions = {}): boolean {
  if (isSafeMethod(request.method)) return true;
  return originAllowed(
    request.origin,
    request.secFetchSite,
    request.selfOrigin,
    options.allowedOrigins ?? [],
  );
}

/**
 * The CSRF decision every adapter applies to a request. Safe methods pass. An unsafe request must come
 * from its own origin or an allowed one (`Origin`, else `Sec-Fetch-Site`); if it needs a token (a form
 * content type, or every unsafe request with `requireToken: 'all'`), the token from the header, else from
 * the form field, must be the session's (`session.verifyCsrfToken`). Without a session (a route the
 * adapter excludes) no token can match. The body is read last, only when nothing else decided.
 * @returns false when the request must be refused (adapters answer 403).
 * @example
 * const csrf = resolveCsrfOptions(options, '@cloakroom/session-x: csrf()');
 * if (!(await csrfAllows(session, { method, header, ownOrigin, formField }, csrf))) refuse(403);
 */
export async function csrfAllows<Data extends SessionData>(
  session: Session<Data> | undefined,
  request: CsrfRequestView,
  options: ResolvedCsrfOptions,
): Promise<boolean> {
  if (isSafeMethod(request.method)) return true;
  const allowed = originAllowed(
    request.header('origin'),
    request.header('sec-fetch-site'),
    request.ownOrigin,
    options.allowedOrigins,
  );
  if (!allowed) return false;
  const needsToken =
    options.requireToken === 'all' || FORM_TYPES.has(mediaTypeOf(request.header('content-type')));
  if (!needsToken) return true;
  if (session === undefined) return false;
  const token = request.header(options.header) || (await request.formField());
  return session.verifyCsrfToken(token);
}

/**
 * The older flat form of the check, for callers that read the token themselves.
 * @deprecated Use {@link csrfAllows} with {@link resolveCsrfOptions}: one option set for every adapter.
 */
export async function verifyCsrf<Data extends SessionData>(
  session: Session<Data>,
  request: CsrfRequest,
  options: CsrfOptions = {},
): Promise<boolean> {
  if (!checkOrigin(request, options)) return false;
  return !request.requireToken || isSafeMethod(request.method) || session.verifyCsrfToken(request.token);
}

/**
 * The token field of a body a body parser already parsed into an object (`req.body`), when it is a
 * string; undefined otherwise. Own properties only: a field named `__proto__` or `toString` is no token.
 */
export function parsedFormField(body: unknown, field: string): string | undefined {
  if (typeof body !== 'object' || body === null || !Object.hasOwn(body, field)) return undefined;
  const value = (body as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The token field of a Web `Request`'s form body, read from a clone so the handler still gets the body.
 * A urlencoded body is read up to `limit` bytes; a multipart body only when it declares a
 * `Content-Length` within `limit`. Resolves undefined for other bodies, a longer body, or no such field.
 */
export async function formFieldOf(
  request: Request,
  field: string,
  limit: number,
): Promise<string | undefined> {
  const type = mediaTypeOf(request.headers.get('content-type'));
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) return undefined;
  if (type === 'application/x-www-form-urlencoded') {
    const text = await readLimited(request.clone().body, limit);
    if (text === null) return undefined;
    return new URLSearchParams(text).get(field) ?? undefined;
  }
  if (type === 'multipart/form-data' && Number.isFinite(declared)) {
    const value = (await request.clone().formData()).get(field);
    return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}

/** The body as UTF-8, or null past `limit` bytes (reading stops there). */
async function readLimited(body: ReadableStream<Uint8Array> | null, limit: number): Promise<string | null> {
  if (body === null) return '';
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      // Not awaited: a tee branch's cancel settles only once the other branch (the handler's) is done.
      reader.cancel().catch(() => undefined);
      return null;
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}
