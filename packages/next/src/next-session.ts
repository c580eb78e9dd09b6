import {
  type AppSessionData,
  createSessionManager,
  type ResolvedCsrfOptions,
  type Session,
  type SessionData,
  SessionError,
  SessionManager,
  type SessionManagerOptions,
} from '@cloakroom/session-core';
import type { NextApiRequest, NextApiResponse } from 'next';
import type { NextRequest, NextResponse } from 'next/server.js';
import { type SessionApiHandler, withSessionApiRouteFor } from './api-route.ts';
import { actionFor, getSessionFor, getWritableSessionFor, redirectFor } from './app-router.ts';
import { createAdapter } from './context.ts';
import { proxyFor } from './proxy.ts';
import { type NextCsrfOptions, resolveCsrf } from './request.ts';
import { type SessionRouteHandler, type WithSessionOptions, withSessionFor } from './route-handler.ts';

/** What the Next.js adapter adds to core's options. */
export interface NextAdapterOptions {
  /**
   * Whether a proxy in front of Next (a load balancer, a CDN) is trusted: only then does
   * `X-Forwarded-Proto` decide whether a request is secure (for `cookie.secure: 'auto'` and the CSRF
   * check's own origin) and `X-Forwarded-Host` which host the request was for. Any client can send those
   * headers, so leave it off unless every request comes through a proxy that overwrites them.
   * @default false
   */
  trustProxy?: boolean;
  /**
   * The CSRF check `withSession()` and `withSessionApiRoute()` apply to unsafe requests (403 on failure):
   * a foreign `Origin` or `Sec-Fetch-Site` is refused, and form posts must carry the session's token
   * (field `_csrf` or header `x-csrf-token`). `false` turns it off. Server Actions are checked by Next
   * itself (it compares `Origin` with the host, see `serverActions.allowedOrigins`).
   * @default {} (on, with the defaults of {@link NextCsrfOptions})
   */
  csrf?: NextCsrfOptions | false;
  /**
   * Hears about failures the adapter cannot answer with a response: a store failure in `proxy()` or in
   * a Server Component's `after()` commit (and, with a manager built from these options, core's reports).
   * @default logs code and message with console.error
   */
  onError?: (error: SessionError) => void;
}

/** Options of {@link createNextSession}: core's manager options plus the adapter's. */
export interface NextSessionOptions extends SessionManagerOptions, NextAdapterOptions {}

/** The helpers {@link createNextSession} returns, bound to one session manager. */
export interface NextSession<Data extends SessionData = AppSessionData> {
  /** The manager behind the helpers: list or revoke a user's sessions, `close()` on shutdown. */
  readonly manager: SessionManager<Data>;
  /**
   * The current request's session, for Server Components (and for any code inside `action()`,
   * `withSession()` or `withSessionApiRoute()`, where it is that request's writable session).
   *
   * In a Server Component the session is loaded (one store read per request, shared by every component)
   * and handed out for reading. Writes that need no cookie (consuming flash messages, changing a session
   * that exists, a touch of the expiry) are saved after the response is sent, with Next's `after()`. Writes
   * that would need a `Set-Cookie` cannot work there, because a Server Component cannot set cookies.
   * @throws SessionError `SESSION_COOKIE_READONLY`, at the call, from `regenerate()`, `destroy()` and any
   *   write when no session exists (it would start one).
   * @throws SessionStoreError when the store cannot be read.
   * @example
   * export default async function Page() {
   *   const session = await getSession();
   *   const [notice] = await session.consumeFlash('notice');
   *   return <p>{String(notice ?? '')} Signed in as {await session.getUser()}</p>;
   * }
   */
  getSession(): Promise<Session<Data>>;
  /**
   * The current request's session with writes, for a Server Action or a Route Handler that is not
   * wrapped. Call `await session.save()` after writing: it saves to the store and sets the cookie through
   * `cookies()` from `next/headers`, so `redirect()` after it is safe. Inside a wrapper, the same session
   * as {@link NextSession.getSession}.
   * @throws SessionStoreError from `save()` when the store fails.
   * @throws Error (Next's) from `save()` when the request cannot set cookies (a Server Component).
   * @example
   * 'use server';
   * export async function signOut() {
   *   const session = await getWritableSession();
   *   session.destroy();
   *   await session.save();
   *   redirect('/');
   * }
   */
  getWritableSession(): Promise<Session<Data>>;
  /**
   * Wraps a Server Action: the session (from `getSession()` inside it) is committed when the action
   * returns, or when it throws `redirect()` or `notFound()`, through `cookies()`. An action that throws
   * anything else saves nothing.
   * @throws SessionStoreError from the wrapped action when the store fails (Next's error path).
   * @example
   * 'use server';
   * export const addToCart = action(async (formData: FormData) => {
   *   const session = await getSession();
   *   await session.update('cart', (cart = []) => [...cart, String(formData.get('item'))]);
   * });
   */
  action<Args extends unknown[], Result>(
    fn: (...args: Args) => Promise<Result>,
  ): (...args: Args) => Promise<Result>;
  /**
   * Commits the current request's session, then calls Next's `redirect()`. In a Server Component it saves
   * what needs no cookie; elsewhere it also sets the cookie.
   * @throws SessionStoreError when the store fails; otherwise always Next's redirect.
   * @example
   * session.setUser(user.id);
   * await redirect('/account');
   */
  redirect(url: string, type?: 'push' | 'replace'): Promise<never>;
  /**
   * Wraps a Route Handler: the handler gets the session as its third argument; after it returns, the
   * session is committed and `Set-Cookie`, `Cache-Control: private, no-store` and `Vary: Cookie` are added
   * to its Response. A store failure answers 503 JSON (no details, reported to `onError`); an unsafe request
   * that fails the CSRF check answers 403 before the handler runs; a thrown `redirect()` still carries the
   * cookie. A response with a 5xx status saves nothing.
   * @throws SessionError `SESSION_CONFIG` at once for bad `options.csrf`.
   * @example
   * export const POST = withSession(async (request, _context, session) => {
   *   session.set('theme', (await request.json()).theme);
   *   return Response.json({ ok: true });
   * });
   */
  withSession<Context = unknown>(
    handler: SessionRouteHandler<Data, Context>,
    options?: WithSessionOptions,
  ): (request: NextRequest, context: Context) => Promise<Response>;
  /**
   * For `proxy.ts`: keeps sliding expiry fresh on page navigations. A GET that carries the session cookie
   * costs one store read; at most once per `touchInterval` the expiry is moved with a store `touch` (not
   * a full write) and the refreshed cookie is set on the response. Unsafe methods, speculative prefetches
   * (`Sec-Purpose: prefetch`) and requests without our cookie are passed through untouched; leave Next's
   * router prefetches out with the matcher (Next hides their headers from the proxy). A store failure is
   * reported to `onError` and the request goes on (the page meets the store itself if it needs it).
   * @param response - the response to add the cookie to. @default NextResponse.next()
   * @example
   * // proxy.ts
   * export function proxy(request: NextRequest) {
   *   return sessions.proxy(request);
   * }
   * export const config = {
   *   matcher: [{
   *     source: '/((?!api|_next/static|_next/image|favicon.ico).*)',
   *     missing: [{ type: 'header', key: 'next-router-prefetch' }],
   *   }],
   * };
   */
  proxy(request: NextRequest, response?: NextResponse): Promise<NextResponse>;
  /**
   * Wraps a Pages Router API route: the handler gets the session as its third argument. The response head
   * is held back until the session is committed, whichever way the handler answers (`res.json()`,
   * `res.send()`, `res.redirect()`, `res.end()`); `await session.save()` commits earlier. Store failures
   * answer 503 JSON; the CSRF check is the same as {@link NextSession.withSession}'s.
   * @throws SessionError `SESSION_CONFIG` at once for bad `options.csrf`.
   * @example
   * export default withSessionApiRoute(async (req, res, session) => {
   *   res.json({ visits: await session.update('visits', (n = 0) => n + 1) });
   * });
   */
  withSessionApiRoute<Body = unknown>(
    handler: SessionApiHandler<Data, Body>,
    options?: WithSessionOptions,
  ): (req: NextApiRequest, res: NextApiResponse<Body>) => Promise<void>;
}

function adapterCsrf(option: NextCsrfOptions | false | undefined): ResolvedCsrfOptions | null {
  return option === false ? null : resolveCsrf(option ?? {});
}

/**
 * Builds the Next.js session helpers. Call it once, in a module of its own (e.g. `lib/session.ts`), and
 * import the helpers where needed.
 *
 * Next compiles `proxy.ts`, the App Router and the Pages Router separately, each with its own copy of
 * your modules: with the memory store, keep the store on `globalThis` so they share it (or use a shared
 * store such as Redis, which production needs anyway).
 *
 * @param options - core's options (`store`, `secret`, `cookie`, timeouts...) plus `trustProxy` and `csrf`;
 *   or a `SessionManager` you built, with the adapter options second.
 * @throws SessionError `SESSION_CONFIG` at once when an option is invalid.
 * @example
 * // lib/session.ts
 * import { memoryStore } from '@cloakroom/session-core';
 * import { createNextSession } from '@cloakroom/session-next';
 *
 * declare module '@cloakroom/session-core' {
 *   interface AppSession { cart: string[] }
 * }
 *
 * export const { getSession, getWritableSession, action, redirect, withSession, proxy } =
 *   createNextSession({ store: memoryStore(), secret: process.env.SESSION_SECRET! });
 */
export function createNextSession<Data extends SessionData = AppSessionData>(
  options: NextSessionOptions | SessionManager<Data>,
  adapterOptions: NextAdapterOptions = {},
): NextSession<Data> {
  let manager: SessionManager<Data>;
  let adapterSettings: NextAdapterOptions;
  const report: ((error: SessionError) => void) | undefined = adapterOptions.onError;
  if (options instanceof SessionManager) {
    manager = options;
    adapterSettings = adapterOptions;
  } else {
    if (options === null || typeof options !== 'object') {
      throw new SessionError('SESSION_CONFIG', '@cloakroom/session-next: createNextSession() needs options.');
    }
    const { trustProxy, csrf, ...core } = options;
    manager = createSessionManager<Data>(core);
    adapterSettings = {
      ...(trustProxy === undefined ? {} : { trustProxy }),
      ...(csrf === undefined ? {} : { csrf }),
    };
  }
  if (adapterSettings.trustProxy !== undefined && typeof adapterSettings.trustProxy !== 'boolean') {
    throw new SessionError('SESSION_CONFIG', '@cloakroom/session-next: trustProxy must be true or false.');
  }
  const adapter = createAdapter(
    manager,
    adapterSettings.trustProxy === true,
    adapterCsrf(adapterSettings.csrf),
    // Where core's own reports go (onError / onEvent, or core's one default log), unless given here.
    report ?? manager.report,
  );
  return {
    manager,
    getSession: getSessionFor(adapter),
    getWritableSession: getWritableSessionFor(adapter),
    action: actionFor(adapter),
    redirect: redirectFor(adapter),
    withSession: withSessionFor(adapter),
    proxy: proxyFor(adapter),
    withSessionApiRoute: withSessionApiRouteFor(adapter),
  };
}
