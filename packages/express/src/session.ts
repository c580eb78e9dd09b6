import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type AppSession as CoreAppSession,
  createSessionManager,
  type Session,
  type SessionDataOf,
  SessionManager,
  type SessionManagerOptions,
} from '@cloakroom/session-core';
import type { HeldResponse } from '@cloakroom/session-core/node';
import type { LegacyOptions } from './legacy.ts';
import { carryLegacy, hasLegacyCookie, resolveLegacy } from './legacy-carry.ts';
import { timeoutsOf } from './lifetime.ts';
import { hold, mountOnce } from './mount.ts';

/**
 * @deprecated Declare your session data once, for every adapter, on core's `AppSession` instead:
 * `declare module '@cloakroom/session-core' { interface AppSession { cart: string[] } }`. Keys declared
 * here still type `req.session` (together with `AppSession`), but no other adapter sees them.
 */
// biome-ignore lint/suspicious/noEmptyInterface: apps filled it in through declaration merging.
export interface SessionData {}

/**
 * The data type `req.session` uses: core's `AppSession` as your app declared it
 * (plus the deprecated {@link SessionData}), or any string key holding `unknown` when nothing is declared.
 */
export type AppSessionData = SessionDataOf<CoreAppSession & SessionData>;

declare global {
  namespace Express {
    interface Request {
      /** The request's session, set by `session()` from `@cloakroom/session-express`. */
      session: Session<AppSessionData>;
    }
  }
}

/** Options of {@link session}: the core manager's options (times in seconds), and `legacy`. */
export interface SessionOptions extends SessionManagerOptions, AdapterOptions {}

/** The adapter's own options, beside core's (the second argument when a manager is passed). */
export interface AdapterOptions {
  /**
   * Carries express-session's live sessions over: a request with a valid old cookie and no Cloakroom
   * session gets its old record (taken from the old store, so it works once) as a new session.
   * @default none
   */
  legacy?: LegacyOptions;
}

/** What {@link session} returns: an Express middleware, plus the manager it built. */
export interface SessionMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
  /** The manager behind the middleware, for work outside a request (list or revoke a user's sessions). */
  readonly manager: SessionManager<AppSessionData>;
}

/** What the adapter reads of Express's request. */
interface ExpressRequest extends IncomingMessage {
  secure?: boolean;
  session?: Session<AppSessionData>;
}

/**
 * Server-side sessions for Express 4 and 5. Mount it before your routes; `req.session` is then the
 * request's {@link Session}. The session is saved before the response head goes out, whatever the
 * handler does (`res.json`, `res.redirect`, `res.end`, `res.write` streaming, `res.sendFile`,
 * `res.writeHead`), so the `Set-Cookie` is in the head and a client following a redirect sees the
 * write. A store failure reaches your error handler as a `SessionStoreError` with `status` 503.
 *
 * Secure requests are detected with `req.secure`, which follows Express's `trust proxy` setting.
 * @param options - core's manager options, or a `SessionManager` to share (as with every adapter).
 * @param adapterOptions - `legacy`, when `options` is a manager.
 * @throws SessionError `SESSION_CONFIG` when the options are invalid (short secret, bad cookie options)
 * @example
 * import express from 'express';
 * import { memoryStore } from '@cloakroom/session-core';
 * import { session } from '@cloakroom/session-express';
 *
 * const app = express();
 * app.use(session({ store: memoryStore(), secret: process.env.SESSION_SECRET! }));
 * app.get('/', async (req, res) => {
 *   const visits = await req.session.update('visits', (n) => Number(n ?? 0) + 1);
 *   res.json({ visits });
 * });
 */
export function session(
  options: SessionOptions | SessionManager<AppSessionData>,
  adapterOptions: AdapterOptions = {},
): SessionMiddleware {
  // A ready manager is shared as is (one manager for several apps or adapters), like every adapter's session().
  let manager: SessionManager<AppSessionData>;
  let legacyOptions = adapterOptions.legacy;
  let timeouts = timeoutsOf(null);
  if (options instanceof SessionManager) manager = options;
  else {
    const { legacy, ...managerOptions } = options;
    legacyOptions ??= legacy;
    timeouts = timeoutsOf(managerOptions);
    manager = createSessionManager<AppSessionData>(managerOptions);
  }
  const legacy = legacyOptions === undefined ? undefined : resolveLegacy(legacyOptions, timeouts);
  // Late failures go where core's own reports go: onError / onEvent, or core's one default log.
  const report = manager.report;
  const middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void => {
    if (!mountOnce(res, next)) return;
    const request = req as ExpressRequest;
    // The real head (not the held one): after it, save() must not start a session it cannot send.
    let held: HeldResponse | undefined;
    const handle = manager.open({
      cookie: req.headers.cookie,
      secure: request.secure === true,
      headersSent: () => held?.headSent() ?? res.headersSent,
      canSetCookie: true,
    });
    request.session = handle.session;
    held = hold(res, handle, next, report);
    const header = req.headers.cookie;
    if (legacy !== undefined && header !== undefined && hasLegacyCookie(header, legacy)) {
      // The one exemption from laziness: a request carrying express-session's cookie is looked at now.
      const session = handle.session as Session;
      session
        .exists()
        .then((exists) => (exists ? false : carryLegacy(session, header, res, legacy)))
        .then(() => next(), next);
      return;
    }
    next();
  };
  return Object.assign(middleware, { manager });
}
