import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type CsrfOptions,
  csrfAllows,
  isSafeMethod,
  parsedFormField,
  requestOrigin,
  resolveCsrfOptions,
  type Session,
  SessionError,
} from '@cloakroom/session-core';
import type { AppSessionData } from './session.ts';

/** Options of {@link csrf}: core's CSRF options, the same in every adapter. */
export type CsrfMiddlewareOptions = CsrfOptions;

/** What {@link csrf} returns. */
export type CsrfMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

interface ExpressRequest extends IncomingMessage {
  session?: Session<AppSessionData>;
  body?: unknown;
  protocol?: string;
  app?: { get(setting: string): unknown };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The request's own origin, as Express computes protocol and host (honouring `trust proxy`). */
function ownOrigin(req: ExpressRequest): string {
  const protocol = req.protocol ?? ((req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http');
  const trust = req.app?.get('trust proxy fn');
  return requestOrigin({
    secure: protocol === 'https',
    host: req.headers.host,
    forwardedHost: header(req, 'x-forwarded-host'),
    trustProxy: typeof trust === 'function' && trust(req.socket.remoteAddress, 0) === true,
  });
}

/**
 * Refuses cross-site requests with a 403 (through `next(error)`, a `SessionError` with code
 * `SESSION_CSRF`, `status` 403 and `expose` true). Every unsafe request (not GET, HEAD, OPTIONS,
 * TRACE) must come from this origin (`Origin`, else `Sec-Fetch-Site`) or one of `allowedOrigins`;
 * form posts (urlencoded, multipart, text/plain), or every unsafe request with `requireToken: 'all'`,
 * must also carry the session's token, from `await req.session.csrfToken()`, in the `_csrf` field or
 * the `x-csrf-token` header. The decision is core's `csrfAllows()`.
 *
 * Mount it after `session()` and after the body parser that fills `req.body` for your forms (its limit
 * applies; this middleware reads no body itself).
 * @throws SessionError `SESSION_CONFIG` at once for bad options; `SESSION_USAGE` (through `next`) when
 *   `session()` did not run first
 * @example
 * app.use(session({ store, secret }));
 * app.use(express.urlencoded({ extended: false }));
 * app.use(csrf());
 * app.get('/form', async (req, res) => {
 *   res.send(`<form method="post"><input type="hidden" name="_csrf" value="${await req.session.csrfToken()}">…`);
 * });
 */
export function csrf(options: CsrfMiddlewareOptions = {}): CsrfMiddleware {
  const settings = resolveCsrfOptions(options, '@cloakroom/session-express: csrf()');
  return (req, _res, next) => {
    const method = req.method ?? 'GET';
    if (isSafeMethod(method)) {
      next();
      return;
    }
    const request = req as ExpressRequest;
    if (request.session === undefined) {
      next(new SessionError('SESSION_USAGE', '@cloakroom/session-express: mount session() before csrf().'));
      return;
    }
    const view = {
      method,
      header: (name: string) => header(req, name),
      ownOrigin: ownOrigin(request),
      formField: async () => parsedFormField(request.body, settings.field),
    };
    csrfAllows(request.session, view, settings).then(
      (ok) =>
        next(
          ok ? undefined : new SessionError('SESSION_CSRF', 'Cross-site request refused.', { status: 403 }),
        ),
      next,
    );
  };
}
