/**
 * CSRF defences every adapter exposes. SameSite=Lax alone does not stop login CSRF from a sibling
 * subdomain (same site, different origin), so unsafe requests are checked by origin, and forms by a
 * per-session token.
 */
import type { Session, SessionData } from './manager.ts';

/** What a CSRF check needs from the request. */
export interface CsrfRequest {
  /** HTTP method. */
  method: string;
  /** The `Origin` header, if any. */
  origin?: string | null | undefined;
  /** The `Sec-Fetch-Site` header, if any. */
  secFetchSite?: string | null | undefined;
  /** The request's own origin, e.g. `https://example.com` (scheme from the adapter's secure detection). */
  selfOrigin: string;
  /** The submitted token (form field or header), if any. */
  token?: unknown;
  /** Whether this request must carry a valid token (adapters require it for HTML form posts). */
  requireToken: boolean;
}

/** Options of the CSRF check. */
export interface CsrfOptions {
  /** Other origins allowed to send unsafe requests, e.g. `https://admin.example.com`. @default [] */
  allowedOrigins?: readonly string[];
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** Whether a method is safe (RFC 9110 section 9.2.1): no CSRF check applies. */
export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method.toUpperCase());
}

/**
 * The Origin / `Sec-Fetch-Site` check for unsafe methods. Requests that carry neither header (scripts,
 * server-to-server calls, old clients) pass: browsers send at least one on every unsafe request.
 */
export function checkOrigin(request: CsrfRequest, options: CsrfOptions = {}): boolean {
  if (isSafeMethod(request.method)) return true;
  const allowed = options.allowedOrigins ?? [];
  const { origin, secFetchSite } = request;
  if (origin !== undefined && origin !== null && origin !== '') {
    return origin === request.selfOrigin || allowed.includes(origin);
  }
  if (secFetchSite !== undefined && secFetchSite !== null && secFetchSite !== '') {
    return secFetchSite === 'same-origin' || secFetchSite === 'none';
  }
  return true;
}

/**
 * The whole CSRF check: origin for every unsafe request, and the session's token where required.
 * @returns false when the request must be refused (adapters answer 403).
 * @example
 * if (!(await verifyCsrf(session, { method, origin, selfOrigin, token, requireToken: isForm }))) reject(403)
 */
export async function verifyCsrf<Data extends SessionData>(
  session: Session<Data>,
  request: CsrfRequest,
  options: CsrfOptions = {},
): Promise<boolean> {
  if (isSafeMethod(request.method)) return true;
  if (!checkOrigin(request, options)) return false;
  if (!request.requireToken) return true;
  return session.verifyCsrfToken(request.token);
}
