import { type CsrfOptions, isSafeMethod, SessionError, verifyCsrf } from '@cloakroom/session-core';
import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { requests, type SessionEnv } from './session.ts';

/** Options of {@link csrf}. */
export interface CsrfMiddlewareOptions extends CsrfOptions {
  /** Form field that carries the token. @default '_csrf' */
  field?: string;
  /** Request header that carries the token (for `fetch` and XHR). @default 'x-csrf-token' */
  header?: string;
  /**
   * Which unsafe requests must carry the session's token. `'forms'`: those with a content type an HTML
   * form can send cross-site (`application/x-www-form-urlencoded`, `multipart/form-data`, `text/plain`);
   * other requests are covered by the Origin check, since browsers preflight them. `'all'`: every unsafe
   * request.
   * @default 'forms'
   */
  requireToken?: 'forms' | 'all';
}

const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);
const PARSED_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data']);

/**
 * Hono middleware that refuses cross-site unsafe requests with 403: a foreign `Origin` (or a
 * `Sec-Fetch-Site` other than `same-origin`/`none`), and a form post without the session's token. Put it
 * after `session()`. Render the token with `await c.get('session').csrfToken()` into a hidden `_csrf`
 * field, or send it in the `x-csrf-token` header.
 *
 * Form bodies are read with `c.req.parseBody()`, which Hono caches, so handlers can parse them again.
 * Limit their size with Hono's `bodyLimit` middleware before this one. The request's own origin is its
 * URL's scheme and host, or the forwarded ones when `session()` has `trustProxy`.
 *
 * @throws HTTPException 403 (`Forbidden: cross-site request refused.`) when the check fails.
 * @example
 * app.use(session({ store, secret }));
 * app.use(csrf({ allowedOrigins: ['https://admin.example.com'] }));
 */
export function csrf(options: CsrfMiddlewareOptions = {}): MiddlewareHandler<SessionEnv> {
  const field = options.field ?? '_csrf';
  const header = options.header ?? 'x-csrf-token';
  const requireAll = (options.requireToken ?? 'forms') === 'all';

  return async (c, next) => {
    if (isSafeMethod(c.req.method)) return next();
    const info = requests.get(c);
    if (info === undefined) {
      throw new SessionError('SESSION_USAGE', '@cloakroom/session-hono: csrf() must come after session().');
    }
    const type = (c.req.header('Content-Type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
    const requireToken = requireAll || FORM_TYPES.has(type);
    let token: unknown = c.req.header(header) || undefined;
    if (token === undefined && requireToken && PARSED_TYPES.has(type)) {
      const body = await c.req.parseBody();
      token = Object.hasOwn(body, field) ? body[field] : undefined;
    }
    const ok = await verifyCsrf(
      c.get('session'),
      {
        method: c.req.method,
        origin: c.req.header('Origin') ?? null,
        secFetchSite: c.req.header('Sec-Fetch-Site') ?? null,
        selfOrigin: selfOrigin(c.req.url, c.req.header('X-Forwarded-Host'), info.secure, info.trustProxy),
        token,
        requireToken,
      },
      options,
    );
    if (!ok) throw new HTTPException(403, { message: 'Forbidden: cross-site request refused.' });
    return next();
  };
}

function selfOrigin(
  url: string,
  forwardedHost: string | undefined,
  secure: boolean,
  trustProxy: boolean,
): string {
  const host = trustProxy && forwardedHost ? forwardedHost.split(',', 1)[0]!.trim() : new URL(url).host;
  return `${secure ? 'https' : 'http'}://${host}`;
}
