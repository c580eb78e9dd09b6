import {
  type AppSessionData,
  applyToFetchHeaders,
  type CommitResult,
  createSessionManager,
  hasHeaders,
  mapSessionErrors,
  type Session,
  type SessionData,
  SessionError,
  SessionManager,
  type SessionManagerOptions,
} from '@cloakroom/session-core';
import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * The `Variables` the middleware sets: `c.get('session')`. Combine it with your own variables. The data
 * type defaults to core's `AppSession` as your app declares it (any string key holding `unknown` when
 * nothing is declared); pass one to type a single app differently.
 * @example
 * type Env = { Variables: SessionVariables<{ cart: string[] }> & { requestId: string } };
 * const app = new Hono<Env>();
 */
export interface SessionVariables<Data extends SessionData = AppSessionData> {
  /** The request's session. */
  session: Session<Data>;
}

/**
 * A Hono `Env` whose variables hold the session, for apps that need no other variables or bindings.
 * `SessionEnv` alone types the session by core's `AppSession` declaration.
 * @example
 * const app = new Hono<SessionEnv<{ visits: number }>>();
 */
export interface SessionEnv<Data extends SessionData = AppSessionData> {
  Variables: SessionVariables<Data>;
}

/** What the adapter itself adds to the manager's options. */
export interface HonoAdapterOptions {
  /**
   * Trust `X-Forwarded-Proto` (and `X-Forwarded-Host`, for the CSRF origin check) from a TLS-terminating
   * proxy in front of the app. Only turn it on when such a proxy always sets them: a client could
   * otherwise claim a secure connection. Without it, the request counts as secure when its URL is
   * `https:`. Matters when `cookie.secure` is `'auto'`, and to `csrf()`.
   * @default false
   */
  trustProxy?: boolean;
}

/** Options of {@link session}: core's manager options plus {@link HonoAdapterOptions}. */
export interface SessionOptions extends SessionManagerOptions, HonoAdapterOptions {}

/** The middleware {@link session} returns, with the manager it uses. */
export type SessionMiddleware<Data extends SessionData = AppSessionData> = MiddlewareHandler<
  SessionEnv<Data>
> & {
  /** The manager behind the middleware: list or revoke a user's sessions, `close()` on shutdown. */
  readonly manager: SessionManager<Data>;
};

/** @internal What csrf() needs to know about a request session() has seen. */
export interface RequestInfo {
  readonly secure: boolean;
  readonly trustProxy: boolean;
}

/** @internal Filled by session(), read by csrf(). Contexts live as long as their request. */
export const requests: WeakMap<Context, RequestInfo> = new WeakMap();

/**
 * Hono middleware that gives every request `c.get('session')`. Nothing touches the store until a
 * handler uses the session. After `await next()` it saves what changed (nothing when the response is a
 * 5xx) and appends the `Set-Cookie` header, sets `Cache-Control: private, no-store` and adds `Cookie` to
 * `Vary`. Hono sends the head only after the middleware chain resolves, so this always fits; a
 * streamed body that changes the session after its handler returned must `await session.save()`,
 * which saves but cannot change the cookie any more.
 *
 * When the store fails, at commit or in a handler's `await session.get(...)`, the error is an
 * `HTTPException(503)` with the message `Service Unavailable` and the `SessionStoreError` as its
 * `cause`: Hono's default error handler answers 503 with no stack or detail; a custom `app.onError`
 * should return `err.getResponse()` for an `HTTPException`. A session grown past `maxPayloadBytes` is an
 * `HTTPException(413)` whose response is `{ "error": "<why>" }` in JSON.
 *
 * Web-standard APIs only: it runs on Node (`@hono/node-server`), Bun, Deno and Cloudflare Workers.
 *
 * @param options - core's manager options (`store`, `secret`, `cookie`, timeouts...) and `trustProxy`;
 *   or a `SessionManager` to share, with `adapterOptions` beside it.
 * @throws SessionError `SESSION_CONFIG` at once when the options are invalid.
 * @example
 * import { Hono } from 'hono';
 * import { memoryStore } from '@cloakroom/session-core';
 * import { session, type SessionEnv } from '@cloakroom/session-hono';
 *
 * const app = new Hono<SessionEnv<{ visits: number }>>();
 * app.use(session({ store: memoryStore(), secret: env.SESSION_SECRET }));
 * app.get('/', async (c) => {
 *   const visits = await c.get('session').update('visits', (n = 0) => n + 1);
 *   return c.json({ visits });
 * });
 */
export function session<Data extends SessionData = AppSessionData>(
  options: SessionOptions | SessionManager<Data>,
  adapterOptions: HonoAdapterOptions = {},
): SessionMiddleware<Data> {
  const manager = options instanceof SessionManager ? options : createSessionManager<Data>(options);
  const trustProxy =
    (options instanceof SessionManager ? adapterOptions.trustProxy : options.trustProxy) ?? false;

  const middleware: MiddlewareHandler<SessionEnv<Data>> = async (c, next) => {
    const secure = isSecure(c, trustProxy);
    requests.set(c, { secure, trustProxy });
    const handle = manager.open({ cookie: c.req.header('Cookie'), secure, canSetCookie: true });
    c.set('session', mapSessionErrors(handle.session, toHttpException));
    await next();
    // Untouched: nothing to commit and nothing to add, so `c.res` is never read (on @hono/node-server,
    // reading it would build the full Response that its fast path avoids).
    if (handle.idle) return;
    let result: CommitResult;
    try {
      result = await handle.commit({ status: c.res.status });
    } catch (error) {
      throw toHttpException(error);
    }
    writeHeaders(c, result);
  };
  return Object.assign(middleware, { manager });
}

function isSecure(c: Context, trustProxy: boolean): boolean {
  if (trustProxy) {
    const forwarded = c.req.header('X-Forwarded-Proto');
    // The first value is the one the client-facing proxy set.
    if (forwarded) return forwarded.split(',', 1)[0]!.trim().toLowerCase() === 'https';
  }
  return c.req.url.startsWith('https:');
}

function writeHeaders(c: Context, result: CommitResult): void {
  if (!hasHeaders(result)) return;
  try {
    applyToFetchHeaders(c.res.headers, result);
  } catch {
    // Immutable headers (`Response.redirect()`, a fetched response): answer a copy that carries ours.
    c.res = new Response(c.res.body, c.res);
    applyToFetchHeaders(c.res.headers, result);
  }
}

/**
 * Store failures (and other 503s) and client errors (a session grown past `maxPayloadBytes`: 413) become
 * the HTTPException Hono's error handling expects. A client error answers `{ "error": message }` as JSON,
 * so the client learns why; server-side faults stay errors for `app.onError` (500).
 */
function toHttpException(error: unknown): unknown {
  if (!(error instanceof SessionError)) return error;
  if (error.status === 503) return new HTTPException(503, { message: 'Service Unavailable', cause: error });
  if (!error.expose) return error;
  const status = error.status as ContentfulStatusCode;
  const res = Response.json(
    { error: error.message },
    { status, headers: { 'Cache-Control': 'private, no-store' } },
  );
  return new HTTPException(status, { message: error.message, cause: error, res });
}
