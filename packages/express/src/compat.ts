/**
 * `@cloakroom/session-express/compat`: express-session's `req.session` API on Cloakroom, for the code
 * written against it (passport, connect-flash, @nestjs/passport's serializers, your own handlers).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type AppSession as CoreAppSession,
  createSessionManager,
  type SessionDataOf,
  SessionManager,
  type SessionManagerOptions,
} from '@cloakroom/session-core';
import type { HoldSource } from '@cloakroom/session-core/node';
import { type CompatCookieSettings, CompatRequest, type CompatSession } from './compat-session.ts';
import type { LegacyOptions } from './legacy.ts';
import { carryLegacy, hasLegacyCookie, resolveLegacy } from './legacy-carry.ts';
import { timeoutsOf } from './lifetime.ts';
import { asSessionError, hold, mountOnce } from './mount.ts';

export type { CompatCookie, CompatSession, CompatSessionMethods, SessionCallback } from './compat-session.ts';
export * from './legacy.ts';

/** The data type of the compat `req.session`: core's `AppSession` as your app declared it. */
export type CompatSessionData = SessionDataOf<CoreAppSession>;

declare global {
  namespace Express {
    interface Request {
      /** The request's session, set by `session()` from `@cloakroom/session-express/compat`. */
      session: CompatSession<CompatSessionData>;
      /** The session's log-safe id (never the cookie value), or `''` while it is not stored. */
      sessionID: string;
    }
  }
}

/** The compat middleware's own options, beside core's (the second argument when a manager is passed). */
export interface CompatAdapterOptions {
  /**
   * The user a session belongs to, from its data, checked at every save: binds the session in core's
   * per-user index, so `manager.destroyUserSessions(id)` signs that user out everywhere. For passport:
   * `passportUser`. @default none
   */
  user?: (data: Readonly<Record<string, unknown>>) => string | null | undefined;
  /** Carries express-session's live sessions over (see the README). @default none */
  legacy?: LegacyOptions;
}

/** Options of the compat {@link session}: core's manager options (times in seconds) and the compat ones. */
export interface CompatSessionOptions extends SessionManagerOptions, CompatAdapterOptions {}

/** What the compat {@link session} returns: an Express middleware, plus the manager it built. */
export interface CompatSessionMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
  /** The manager behind the middleware, for work outside a request. */
  readonly manager: SessionManager;
}

interface CompatExpressRequest extends IncomingMessage {
  secure?: boolean;
  session?: CompatSession;
  sessionID?: string;
}

function cookieSettings(options: SessionManagerOptions | null): CompatCookieSettings {
  const cookie = options?.cookie ?? {};
  const maxAge =
    cookie.maxAge === 'session' ? null : (cookie.maxAge ?? timeoutsOf(options).idleTimeout) * 1000;
  return {
    httpOnly: cookie.httpOnly ?? true,
    secure: cookie.secure ?? true,
    sameSite: cookie.sameSite ?? 'lax',
    path: cookie.path ?? '/',
    domain: cookie.domain,
    maxAge,
    timeouts: timeoutsOf(options),
  };
}

/**
 * Server-side sessions for Express 4 and 5 with express-session's API: `req.session.user = …`,
 * `req.session.regenerate(cb)`, `req.session.save(cb)`, `req.session.cookie.maxAge`. Unlike the native
 * `session()`, the session is loaded before your handlers run (passport reads it synchronously); a
 * request without a valid cookie still costs no store call. A store failure reaches your error handler
 * as a `SessionStoreError` with `status` 503.
 * @param options - core's manager options plus `user` and `legacy`, or a `SessionManager` to share.
 * @param adapterOptions - `user` and `legacy`, when `options` is a manager.
 * @throws SessionError `SESSION_CONFIG` when the options are invalid
 * @example
 * import { session } from '@cloakroom/session-express/compat';
 * app.use(session({ store, secret: process.env.SESSION_SECRET! }));
 * app.get('/', (req, res) => {
 *   req.session.views = Number(req.session.views ?? 0) + 1;
 *   res.json({ views: req.session.views });
 * });
 */
export function session(
  options: CompatSessionOptions | SessionManager,
  adapterOptions: CompatAdapterOptions = {},
): CompatSessionMiddleware {
  let manager: SessionManager;
  let managerOptions: SessionManagerOptions | null = null;
  let { user, legacy: legacyOptions } = adapterOptions;
  if (options instanceof SessionManager) manager = options;
  else {
    const { user: userOption, legacy: legacyOption, ...rest } = options;
    user ??= userOption;
    legacyOptions ??= legacyOption;
    managerOptions = rest;
    manager = createSessionManager(rest);
  }
  const legacy =
    legacyOptions === undefined ? undefined : resolveLegacy(legacyOptions, timeoutsOf(managerOptions));
  const settings = cookieSettings(managerOptions);
  const report = manager.report;
  const cookiePrefix = `${manager.cookieName}=`;
  const middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void => {
    if (!mountOnce(res, next)) return;
    const request = req as CompatExpressRequest;
    let headSent = (): boolean => res.headersSent;
    const handle = manager.open({
      cookie: req.headers.cookie,
      secure: request.secure === true,
      headersSent: () => headSent(),
      canSetCookie: true,
    });
    const compat = new CompatRequest(
      handle.session,
      settings,
      user,
      (current) => {
        request.session = current;
      },
      (error) => report(asSessionError(error)),
      () => manager.open({ cookie: req.headers.cookie, secure: request.secure === true }).session,
    );
    Object.defineProperty(request, 'sessionID', {
      configurable: true,
      enumerable: true,
      get: () => compat.id,
    });
    const source: HoldSource = {
      get idle() {
        return handle.idle && compat.untouched;
      },
      get state() {
        return handle.session.state;
      },
      commit: (status, cookies) => {
        if (status < 500) compat.sync();
        return handle.commit({ status, cookies });
      },
    };
    const held = hold(res, source, next, report);
    headSent = () => held.headSent();
    const header = req.headers.cookie;
    const carry =
      legacy !== undefined && header !== undefined && hasLegacyCookie(header, legacy)
        ? handle.session
            .exists()
            .then((exists) => (exists ? false : carryLegacy(handle.session, header, res, legacy)))
        : Promise.resolve(false);
    // Loaded now, before the handlers (passport reads req.session synchronously): the one exemption from
    // core's laziness. Without our cookie there is nothing to read, and nothing is read.
    carry
      .then((carried) => compat.load(carried || (header?.includes(cookiePrefix) ?? false)))
      .then(() => next(), next);
  };
  return Object.assign(middleware, { manager });
}
