import { AsyncLocalStorage } from 'node:async_hooks';
import {
  applyToFetchHeaders,
  type CommitResult,
  type ResolvedCsrfOptions,
  type SessionData,
  type SessionError,
  type SessionHandle,
  type SessionManager,
} from '@cloakroom/session-core';
import { cookies } from 'next/headers.js';
import { parseSetCookie } from './cookies.ts';
import { type ReadOnlySession, WritableSession } from './views.ts';

/** Where the request came in, which decides how a commit reaches the response head. */
export type RequestKind =
  /** App Router: Server Components and Server Actions (wrapped in `action()` or not). */
  | 'app'
  /** A Route Handler wrapped in `withSession()`. */
  | 'route'
  /** A Pages Router API route wrapped in `withSessionApiRoute()`. */
  | 'api';

/** One request's session, shared by every helper that asks for it during that request. */
export interface RequestState<Data extends SessionData> {
  readonly handle: SessionHandle<Data>;
  readonly kind: RequestKind;
  writable: WritableSession<Data> | undefined;
  readOnly: ReadOnlySession<Data> | undefined;
  afterScheduled: boolean;
  /** The last `Set-Cookie` handed to Next's cookie jar, so a repeated commit does not set it twice. */
  applied: readonly string[];
  /** What the writable session's `save()` does for this kind of request. */
  readonly save: (state: RequestState<Data>) => Promise<void>;
}

/** What every helper of one `createNextSession()` shares. */
export interface Adapter<Data extends SessionData> {
  readonly manager: SessionManager<Data>;
  readonly trustProxy: boolean;
  readonly csrf: ResolvedCsrfOptions | null;
  readonly report: (error: SessionError) => void;
  /** The request a wrapper (`withSession`, `action`, `withSessionApiRoute`) is running. */
  readonly scope: AsyncLocalStorage<RequestState<Data>>;
  /** App Router requests outside a wrapper, keyed by the request's headers object (one per request). */
  readonly byRequest: WeakMap<object, RequestState<Data>>;
}

export function createAdapter<Data extends SessionData>(
  manager: SessionManager<Data>,
  trustProxy: boolean,
  csrf: ResolvedCsrfOptions | null,
  report: (error: SessionError) => void,
): Adapter<Data> {
  return {
    manager,
    trustProxy,
    csrf,
    report,
    scope: new AsyncLocalStorage(),
    byRequest: new WeakMap(),
  };
}

export function newState<Data extends SessionData>(
  handle: SessionHandle<Data>,
  kind: RequestKind,
  save: (state: RequestState<Data>) => Promise<void>,
): RequestState<Data> {
  return {
    handle,
    kind,
    save,
    writable: undefined,
    readOnly: undefined,
    afterScheduled: false,
    applied: [],
  };
}

/** The request's writable session (one per request). */
export function writableOf<Data extends SessionData>(state: RequestState<Data>): WritableSession<Data> {
  state.writable ??= new WritableSession(state.handle.session, () => state.save(state));
  return state.writable;
}

/** Sets our cookies, merges `Vary` and sets `Cache-Control` on a Fetch API `Headers`. */
export const applyToHeaders: (headers: Headers, result: CommitResult) => void = applyToFetchHeaders;

/**
 * Commits and hands the cookie to Next's `cookies()` jar, which Next writes into the head of a Server
 * Action's response and of a Route Handler's response (also when the handler threw `redirect()`).
 * @throws SessionStoreError when the store fails; Next's own error when cookies cannot be set here.
 */
export async function commitToCookieJar<Data extends SessionData>(
  state: RequestState<Data>,
  status?: number,
): Promise<CommitResult> {
  const result = await state.handle.commit(status === undefined ? {} : { status });
  const fresh = result.cookies.filter((cookie) => !state.applied.includes(cookie));
  if (fresh.length > 0) {
    const jar = await cookies();
    for (const cookie of fresh) jar.set(parseSetCookie(cookie));
    state.applied = result.cookies;
  }
  return result;
}

/**
 * The status a thrown error stands for, when it is one of Next's control-flow errors: `redirect()`
 * (its digest `NEXT_REDIRECT;type;url;status;`) or `notFound()`/`forbidden()`/`unauthorized()` (digest
 * `NEXT_HTTP_ERROR_FALLBACK;status`). Null for any other error (a failure: nothing is saved).
 */
export function controlFlowStatus(error: unknown): number | null {
  if (error === null || typeof error !== 'object') return null;
  const digest = (error as { digest?: unknown }).digest;
  if (typeof digest !== 'string') return null;
  const parts = digest.split(';');
  if (parts[0] === 'NEXT_REDIRECT') return Number(parts.at(-2)) || 307;
  if (parts[0] === 'NEXT_HTTP_ERROR_FALLBACK') return Number(parts[1]) || 404;
  return null;
}

/**
 * A JSON answer for a session failure: `{ error }` with the status text for a server-side fault (no
 * message, code or stack: nothing about the store reaches the client), the message for a client error.
 */
export function errorResponse(error: SessionError): Response {
  const text = error.expose
    ? error.message
    : error.status === 503
      ? 'Service Unavailable'
      : 'Internal Server Error';
  return Response.json(
    { error: text },
    { status: error.status, headers: { 'Cache-Control': 'private, no-store' } },
  );
}

/**
 * A session error that should become an HTTP answer rather than Next's 500: a store failure or conflict
 * (503) or a client error (4xx). Matched by shape, not `instanceof`, so an error from a second copy of
 * core (two versions installed side by side) is still recognised.
 */
export function answerable(error: unknown): SessionError | null {
  if (error === null || typeof error !== 'object') return null;
  const { code, status } = error as { code?: unknown; status?: unknown };
  if (typeof code !== 'string' || !code.startsWith('SESSION_') || typeof status !== 'number') return null;
  return status === 503 || (status >= 400 && status < 500) ? (error as SessionError) : null;
}
