import {
  applyToNodeResponse,
  type CommitResult,
  type AppSession as CoreAppSession,
  type SessionData as CoreSessionData,
  createSessionManager,
  hasHeaders,
  type Session,
  type SessionDataOf,
  SessionManager,
  type SessionManagerOptions,
} from '@cloakroom/session-core';
import type { Middleware, ParameterizedContext } from 'koa';

/**
 * @deprecated Declare your session data once, for every adapter, on core's `AppSession` instead:
 * `declare module '@cloakroom/session-core' { interface AppSession { cart: string[] } }`. Keys declared
 * here still type `ctx.session` (together with `AppSession`), but no other adapter sees them.
 */
// biome-ignore lint/suspicious/noEmptyInterface: apps filled it in through declaration merging.
export interface SessionData {}

/**
 * The data type of `ctx.session`: core's `AppSession` as your app declared it
 * (plus the deprecated {@link SessionData}), or any JSON record when nothing is declared.
 */
export type AppSessionData = SessionDataOf<CoreAppSession & SessionData>;

declare module 'koa' {
  interface DefaultContext {
    /** The request's session (set by `@cloakroom/session-koa`'s `session()` middleware). */
    session: Session<AppSessionData>;
  }
  interface BaseContext {
    /** The request's session (set by `@cloakroom/session-koa`'s `session()` middleware). */
    session: Session<AppSessionData>;
  }
}

/** Options of {@link session}: those of core's `createSessionManager`, or a manager you built. */
export type SessionOptions = SessionManagerOptions;

/** The middleware {@link session} returns, with the manager it uses. */
export type SessionMiddleware<Data extends CoreSessionData = AppSessionData> = Middleware & {
  /** The manager behind the middleware: list or revoke a user's sessions, `close()` on shutdown. */
  readonly manager: SessionManager<Data>;
};

interface ThrownError {
  status?: unknown;
  statusCode?: unknown;
  headers?: unknown;
}

/**
 * Koa middleware that gives every request `ctx.session`. Nothing touches the store until a handler
 * uses the session. After the rest of the chain resolves (and before Koa writes the response head, which
 * it does only then) it saves what changed and sets the `Set-Cookie`, `Cache-Control` and `Vary`
 * headers. The request counts as secure when `ctx.secure` says so, which follows `app.proxy`.
 *
 * A store failure is thrown into Koa's error flow as a `SessionStoreError` (`status` 503,
 * `expose` false, so Koa answers `503 Service Unavailable` without details). When a handler throws,
 * the error propagates untouched; for a 5xx nothing is saved, for a 4xx (`ctx.throw(401)`) the changes
 * are saved and the cookie rides on `err.headers`, which Koa's error response keeps.
 *
 * @param options - core's manager options (`store`, `secret`, `cookie`, timeouts...), or a
 *   `SessionManager` to share.
 * @throws SessionError `SESSION_CONFIG` at once when the options are invalid.
 * @example
 * import Koa from 'koa';
 * import { memoryStore } from '@cloakroom/session-core';
 * import { session } from '@cloakroom/session-koa';
 *
 * const app = new Koa();
 * app.use(session({ store: memoryStore(), secret: process.env.SESSION_SECRET! }));
 * app.use(async (ctx) => {
 *   ctx.body = { visits: await ctx.session.update('visits', (n = 0) => Number(n) + 1) };
 * });
 */
export function session<Data extends CoreSessionData = AppSessionData>(
  options: SessionOptions | SessionManager<Data>,
): SessionMiddleware<Data> {
  const manager = options instanceof SessionManager ? options : createSessionManager<Data>(options);

  const middleware: Middleware = async (ctx, next) => {
    const handle = manager.open({ cookie: ctx.get('Cookie'), secure: ctx.secure, canSetCookie: true });
    ctx.session = handle.session as unknown as Session<AppSessionData>;
    try {
      await next();
    } catch (error) {
      const status = thrownStatus(error);
      // A failed handler: a 4xx keeps its changes, and its cookie; a 5xx saves nothing, but still carries
      // the cookie a read that moved the stored expiry owes (core's commit answers only that for a 5xx).
      if (!handle.idle) attachHeaders(error, await handle.commit({ status }));
      throw error;
    }
    // Untouched: nothing to commit, no header work.
    if (handle.idle) return;
    // Koa writes the head only after the middleware chain resolves, so the headers still fit here,
    // unless a handler bypassed Koa (`ctx.respond = false`) and wrote the head itself.
    const open = !ctx.headerSent;
    const result = await handle.commit({ status: ctx.status, cookies: open });
    if (open) writeHeaders(ctx, result);
  };
  return Object.assign(middleware, { manager });
}

function thrownStatus(error: unknown): number {
  if (error === null || typeof error !== 'object') return 500;
  const { status, statusCode } = error as ThrownError;
  const value = typeof status === 'number' ? status : statusCode;
  return typeof value === 'number' && value >= 400 && value <= 599 ? value : 500;
}

function attachHeaders(error: unknown, result: CommitResult): void {
  if (!hasHeaders(result)) return;
  if (error === null || typeof error !== 'object' || !Object.isExtensible(error)) return;
  const target = error as ThrownError;
  const headers: Record<string, string | string[]> =
    target.headers !== null && typeof target.headers === 'object'
      ? { ...(target.headers as Record<string, string | string[]>) }
      : {};
  // Koa writes err.headers with ctx.set: apply on a plain object with the same get/set shape.
  applyToNodeResponse(
    {
      getHeader: (name) => headers[Object.keys(headers).find((key) => key.toLowerCase() === name) ?? name],
      setHeader: (name, value) => {
        for (const key of Object.keys(headers))
          if (key.toLowerCase() === name.toLowerCase()) delete headers[key];
        headers[name] = value;
      },
    },
    result,
  );
  target.headers = headers;
}

function writeHeaders(ctx: ParameterizedContext, result: CommitResult): void {
  applyToNodeResponse(
    {
      getHeader: (name) => ctx.response.get(name) || undefined,
      setHeader: (name, value) => ctx.set(name, value),
    },
    result,
  );
}
