import {
  type CsrfOptions,
  csrfAllows as decide,
  firstForwarded,
  type ResolvedCsrfOptions,
  requestOrigin,
  resolveCsrfOptions,
  type Session,
  type SessionData,
} from '@cloakroom/session-core';

/** Reads one request header (a `Headers` object or Node's `req.headers`), or null. */
export type HeaderGetter = (name: string) => string | null;

/**
 * Options of the CSRF check that `withSession` and `withSessionApiRoute` apply to unsafe requests: core's
 * CSRF options, the same in every adapter. In Route Handlers the token field is read from a clone of the
 * request (the handler still gets the whole body), up to `bodyLimit` bytes.
 */
export type NextCsrfOptions = CsrfOptions;

/**
 * Whether the request arrived over TLS. `next start` speaks plain HTTP, so in the App Router the only
 * witness is `X-Forwarded-Proto`, which any client can send: it counts only with `trustProxy`.
 * `encrypted` is the Node socket's own answer where there is one (Pages Router API routes).
 */
export function isSecure(header: HeaderGetter, trustProxy: boolean, encrypted = false): boolean {
  if (encrypted) return true;
  if (!trustProxy) return false;
  return firstForwarded(header('x-forwarded-proto'))?.toLowerCase() === 'https';
}

/**
 * The origins the Origin check counts as the request's own. Without `trustProxy` the scheme is unknown
 * (a TLS proxy in front of `next start` is the norm), so the host is accepted with either scheme, as
 * Next's own Server Action check does (it compares hosts only).
 */
export function ownOrigins(header: HeaderGetter, trustProxy: boolean, encrypted = false): readonly string[] {
  const host = header('host') ?? 'localhost';
  const secure = isSecure(header, trustProxy, encrypted);
  const self = requestOrigin({ secure, host, forwardedHost: header('x-forwarded-host'), trustProxy });
  if (trustProxy || encrypted) return [self];
  return [self, `https://${host}`];
}

/**
 * Applies defaults to the CSRF options (core's {@link resolveCsrfOptions}).
 * @param where - names the option in error messages, e.g. `withSession({ csrf })`
 * @throws SessionError `SESSION_CONFIG` for a bad option.
 */
export function resolveCsrf(
  options: NextCsrfOptions,
  where = 'createNextSession({ csrf })',
): ResolvedCsrfOptions {
  return resolveCsrfOptions(options, `@cloakroom/session-next: ${where}`);
}

/** What the CSRF check needs from one request, however the router exposes it. */
export interface CsrfInput {
  readonly method: string;
  readonly header: HeaderGetter;
  readonly trustProxy: boolean;
  readonly encrypted?: boolean;
  /** Finds the token in the body of a form post, when no header carries it (a non-string is no token). */
  readonly bodyToken: () => Promise<unknown>;
}

/** Core's CSRF decision over a Next request: Origin / `Sec-Fetch-Site` first, then the token where required. */
export function csrfAllows<Data extends SessionData>(
  session: Session<Data>,
  input: CsrfInput,
  csrf: ResolvedCsrfOptions,
): Promise<boolean> {
  const view = {
    method: input.method,
    header: input.header,
    get ownOrigin(): readonly string[] {
      return ownOrigins(input.header, input.trustProxy, input.encrypted);
    },
    formField: async () => {
      const token = await input.bodyToken();
      return typeof token === 'string' ? token : undefined;
    },
  };
  return decide(session, view, csrf);
}
