/**
 * What the native and the compat middleware share: mounting once per request, and holding the response
 * head for the commit (core's one Node holder), with failures routed the Express way.
 */
import type { ServerResponse } from 'node:http';
import { SessionError } from '@cloakroom/session-core';
import { type HeldResponse, type HoldSource, holdResponse } from '@cloakroom/session-core/node';

// A mark on the response itself: a WeakSet entry per request costs the garbage collector an ephemeron.
const MOUNTED = Symbol('cloakroom.session-express.mounted');
type Marked = ServerResponse & { [MOUNTED]?: true };

/** Marks `res` as having a session middleware; false (after calling `next` with the error) on a second one. */
export function mountOnce(res: ServerResponse, next: (error?: unknown) => void): boolean {
  const marked = res as Marked;
  if (marked[MOUNTED] === true) {
    next(
      new SessionError(
        'SESSION_USAGE',
        '@cloakroom/session-express: session() ran twice for one request; mount it once.',
      ),
    );
    return false;
  }
  marked[MOUNTED] = true;
  return true;
}

/** `error` as a SessionError, for `report`. */
export function asSessionError(error: unknown): SessionError {
  if (error instanceof SessionError) return error;
  return new SessionError('SESSION_USAGE', 'The session commit failed.', { cause: error });
}

/**
 * Holds `res`'s head for `source`'s commit. Before any byte left, a failure drops the handler's response
 * and Express's error handler answers (503 for a store failure); later ones go to `report`.
 */
export function hold(
  res: ServerResponse,
  source: Parameters<typeof holdResponse>[1] | HoldSource,
  next: (error?: unknown) => void,
  report: (error: SessionError) => void,
): HeldResponse {
  return holdResponse(res, source, {
    onFailure: (error) => next(error),
    onLateFailure: (error) => report(asSessionError(error)),
  });
}
