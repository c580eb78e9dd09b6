import {
  type CsrfOptions,
  csrfAllows,
  formFieldOf,
  isSafeMethod,
  requestOrigin,
  resolveCsrfOptions,
  SessionError,
} from '@cloakroom/session-core';
import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { requests, type SessionEnv } from './session.ts';

/** Options of {@link csrf}: core's CSRF options, the same in every adapter. */
export type CsrfMiddlewareOptions = CsrfOptions;

/**
 * Hono middleware that refuses cross-site unsafe requests with 403: a foreign `Origin` (or a
 * `Sec-Fetch-Site` other than `same-origin`/`none`), and a form post (or, with `requireToken: 'all'`,
 * any unsafe request) without the session's token. Put it after `session()`. Render the token with
 * `await c.get('session').csrfToken()` into a hidden `_csrf` field, or send it in the `x-csrf-token`
 * header. The decision is core's `csrfAllows()`.
 *
 * The token field is read from a clone of the request (up to `bodyLimit` bytes), so handlers still get
 * the whole body. The request's own origin is its URL's scheme and host, or the forwarded ones when
 * `session()` has `trustProxy`.
 *
 * @throws SessionError `SESSION_CONFIG` at once for bad options.
 * @throws HTTPException 403 (`Forbidden: cross-site request refused.`) when the check fails.
 * @example
 * app.use(session({ store, secret }));
 * app.use(csrf({ allowedOrigins: ['https://admin.example.com'] }));
 */
export function csrf(options: CsrfMiddlewareOptions = {}): MiddlewareHandler<SessionEnv> {
  const settings = resolveCsrfOptions(options, '@cloakroom/session-hono: csrf()');

  return async (c, next) => {
    if (isSafeMethod(c.req.method)) return next();
    const info = requests.get(c);
    if (info === undefined) {
      throw new SessionError('SESSION_USAGE', '@cloakroom/session-hono: csrf() must come after session().');
    }
    const view = {
      method: c.req.method,
      header: (name: string) => c.req.header(name),
      ownOrigin: requestOrigin({
        secure: info.secure,
        host: new URL(c.req.url).host,
        forwardedHost: c.req.header('X-Forwarded-Host'),
        trustProxy: info.trustProxy,
      }),
      formField: () => formFieldOf(c.req.raw, settings.field, settings.bodyLimit),
    };
    if (!(await csrfAllows(c.get('session'), view, settings))) {
      throw new HTTPException(403, { message: 'Forbidden: cross-site request refused.' });
    }
    return next();
  };
}
