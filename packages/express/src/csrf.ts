import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type CsrfOptions,
  isSafeMethod,
  type Session,
  SessionError,
  verifyCsrf,
} from '@cloakroom/session-core';
import type { AppSessionData } from './session.ts';

/** Options of {@link csrf}. */
export interface CsrfMiddlewareOptions extends CsrfOptions {
  /** The form field that carries the token (read from `req.body`, so mount a body parser first). @default '_csrf' */
  field?: string;
  /** The request header that carries the token (for `fetch` and multipart forms). @default 'x-csrf-token' */
  header?: string;
}

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

// The content types a cross-site HTML form (or a no-preflight fetch) can send.
const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The request's own origin, as Express computes protocol and host (honouring `trust proxy`). */
function selfOrigin(req: ExpressRequest): string {
  const protocol = req.protocol ?? ((req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http');
  const trust = req.app?.get('trust proxy fn');
  let host = first(req.headers['x-forwarded-host']);
  if (host === undefined || typeof trust !== 'function' || !trust(req.socket.remoteAddress, 0)) {
    host = req.headers.host ?? '';
  } else if (host.includes(',')) {
    host = host.slice(0, host.indexOf(',')).trim();
  }
  return `${protocol}://${host}`;
}

function submittedToken(req: ExpressRequest, field: string, header: string): string | undefined {
  const body = req.body;
  if (typeof body === 'object' && body !== null) {
    const value = (body as Record<string, unknown>)[field];
    if (typeof value === 'string') return value;
  }
  return first(req.headers[header]);
}

/**
 * Refuses cross-site requests with a 403 (through `next(error)`, a `SessionError` with code
 * `SESSION_CSRF`, `status` 403 and `expose` true). Every unsafe request (not GET, HEAD, OPTIONS,
 * TRACE) must come from this origin (`Origin`, else `Sec-Fetch-Site`) or one of `allowedOrigins`;
 * form posts (urlencoded, multipart, text/plain) must also carry the session's token, from
 * `await req.session.csrfToken()`, in the `_csrf` field or the `x-csrf-token` header.
 *
 * Mount it after `session()` and after the body parser that fills `req.body` for your forms.
 * @throws SessionError `SESSION_USAGE` (through `next`) when `session()` did not run first
 * @example
 * app.use(session({ store, secret }));
 * app.use(express.urlencoded({ extended: false }));
 * app.use(csrf());
 * app.get('/form', async (req, res) => {
 *   res.send(`<form method="post"><input type="hidden" name="_csrf" value="${await req.session.csrfToken()}">…`);
 * });
 */
export function csrf(options: CsrfMiddlewareOptions = {}): CsrfMiddleware {
  const field = options.field ?? '_csrf';
  const header = (options.header ?? 'x-csrf-token').toLowerCase();
  const check: CsrfOptions = { allowedOrigins: options.allowedOrigins ?? [] };
  return (req, _res, next) => {
    const method = req.method ?? 'GET';
    if (isSafeMethod(method)) {
      next();
      return;
    }
    const request = req as ExpressRequest;
    const session = request.session;
    if (session === undefined) {
      next(new SessionError('SESSION_USAGE', '@cloakroom/session-express: mount session() before csrf().'));
      return;
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    verifyCsrf(
      session,
      {
        method,
        origin: req.headers.origin,
        secFetchSite: first(req.headers['sec-fetch-site']),
        selfOrigin: selfOrigin(request),
        token: submittedToken(request, field, header),
        requireToken: FORM_TYPES.has(type),
      },
      check,
    ).then(
      (ok) =>
        next(
          ok ? undefined : new SessionError('SESSION_CSRF', 'Cross-site request refused.', { status: 403 }),
        ),
      next,
    );
  };
}
