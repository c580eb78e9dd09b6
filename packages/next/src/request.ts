import {
  type CsrfOptions,
  checkOrigin,
  isSafeMethod,
  type Session,
  type SessionData,
  verifyCsrf,
} from '@cloakroom/session-core';

/** Reads one request header (a `Headers` object or Node's `req.headers`), or null. */
export type HeaderGetter = (name: string) => string | null;

/** Options of the CSRF check that `withSession` and `withSessionApiRoute` apply to unsafe requests. */
export interface NextCsrfOptions extends CsrfOptions {
  /** Form field that carries the token. @default '_csrf' */
  field?: string;
  /** Request header that carries the token (for `fetch`). @default 'x-csrf-token' */
  header?: string;
  /**
   * Which unsafe requests must carry the session's token. `'forms'`: those with a content type an HTML
   * form can send cross-site (`application/x-www-form-urlencoded`, `multipart/form-data`, `text/plain`);
   * other requests are covered by the Origin check, since browsers preflight them. `'all'`: every unsafe
   * request.
   * @default 'forms'
   */
  requireToken?: 'forms' | 'all';
  /**
   * Largest form body, in bytes, read (from a clone: the handler still gets the whole body) to find the
   * token field when no header carries it. A longer body is not read, and the request is refused for want
   * of a token. @default 65_536
   */
  bodyLimit?: number;
}

/** {@link NextCsrfOptions} with defaults applied. */
export interface ResolvedCsrf {
  readonly field: string;
  readonly header: string;
  readonly requireAll: boolean;
  readonly bodyLimit: number;
  readonly allowedOrigins: readonly string[];
}

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

function firstValue(value: string | null): string | null {
  if (value === null) return null;
  const first = value.split(',')[0]!.trim();
  return first === '' ? null : first;
}

/**
 * Whether the request arrived over TLS. `next start` speaks plain HTTP, so in the App Router the only
 * witness is `X-Forwarded-Proto`, which any client can send: it counts only with `trustProxy`.
 * `encrypted` is the Node socket's own answer where there is one (Pages Router API routes).
 */
export function isSecure(header: HeaderGetter, trustProxy: boolean, encrypted = false): boolean {
  if (encrypted) return true;
  if (!trustProxy) return false;
  return firstValue(header('x-forwarded-proto'))?.toLowerCase() === 'https';
}

/**
 * The request's own origin and the origins the Origin check accepts besides the configured ones. Without
 * `trustProxy` the scheme is unknown (a TLS proxy in front of `next start` is the norm), so the host is
 * accepted with either scheme, as Next's own Server Action check does (it compares hosts only).
 */
export function selfOrigins(
  header: HeaderGetter,
  trustProxy: boolean,
  encrypted = false,
): { self: string; also: string[] } {
  const host = (trustProxy ? firstValue(header('x-forwarded-host')) : null) ?? header('host') ?? 'localhost';
  const secure = isSecure(header, trustProxy, encrypted);
  const self = `${secure ? 'https' : 'http'}://${host}`;
  if (trustProxy || encrypted) return { self, also: [] };
  return { self, also: [`https://${host}`] };
}

/**
 * Applies defaults to the CSRF options.
 * @throws SessionError-like Error on a bad `bodyLimit` (callers wrap it as SESSION_CONFIG).
 */
export function resolveCsrf(options: NextCsrfOptions): ResolvedCsrf {
  const bodyLimit = options.bodyLimit ?? 65_536;
  if (!Number.isSafeInteger(bodyLimit) || bodyLimit < 0) {
    throw new RangeError('csrf.bodyLimit must be a whole number of bytes.');
  }
  return {
    field: options.field ?? '_csrf',
    header: (options.header ?? 'x-csrf-token').toLowerCase(),
    requireAll: (options.requireToken ?? 'forms') === 'all',
    bodyLimit,
    allowedOrigins: options.allowedOrigins ?? [],
  };
}

/** The media type of a request, lower case, without parameters. */
export function mediaType(header: HeaderGetter): string {
  return (header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/** What the CSRF check needs from one request, however the framework exposes it. */
export interface CsrfInput {
  readonly method: string;
  readonly header: HeaderGetter;
  readonly trustProxy: boolean;
  readonly encrypted?: boolean;
  /** Finds the token in the body of a form post, when no header carries it. */
  readonly bodyToken: () => Promise<unknown>;
}

/** The whole check: Origin / `Sec-Fetch-Site` first (no store call), then the session's token where required. */
export async function csrfAllows<Data extends SessionData>(
  session: Session<Data>,
  input: CsrfInput,
  csrf: ResolvedCsrf,
): Promise<boolean> {
  if (isSafeMethod(input.method)) return true;
  const { self, also } = selfOrigins(input.header, input.trustProxy, input.encrypted);
  const request = {
    method: input.method,
    origin: input.header('origin'),
    secFetchSite: input.header('sec-fetch-site'),
    selfOrigin: self,
    requireToken: csrf.requireAll || FORM_TYPES.includes(mediaType(input.header)),
  };
  const options = { allowedOrigins: [...csrf.allowedOrigins, ...also] };
  if (!checkOrigin(request, options)) return false;
  if (!request.requireToken) return true;
  let token: unknown = input.header(csrf.header) || undefined;
  if (token === undefined) token = await input.bodyToken();
  return verifyCsrf(session, { ...request, token }, options);
}

/**
 * The token field of a Web `Request`'s form body, read from a clone so the handler still has the body.
 * Bodies over `limit` bytes are not read (undefined: no token).
 */
export async function formFieldOf(request: Request, field: string, limit: number): Promise<unknown> {
  const type = mediaType((name) => request.headers.get(name));
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

async function readLimited(body: ReadableStream<Uint8Array> | null, limit: number): Promise<string | null> {
  if (body === null) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
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
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
