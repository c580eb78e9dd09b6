import type { Session, SessionData } from '@cloakroom/session-core';
import { mapSessionErrors, SessionError } from '@cloakroom/session-core';
import { logFailure, toHttpException } from './errors.ts';

/**
 * A store failure leaves the session as Nest's `ServiceUnavailableException` (503, the original error as
 * its `cause`), so every exception filter, a catch-all one included, sees an HTTP exception rather than an
 * unknown error it would answer with 500. Other errors pass unchanged.
 */
function toNestError(error: unknown): unknown {
  if (error instanceof SessionError && error.status === 503) {
    logFailure(error);
    return toHttpException(error);
  }
  return error;
}

/** The session handlers see: core's session, with store failures raised as Nest exceptions. */
export function nestSession<Data extends SessionData = SessionData>(inner: Session<Data>): Session<Data> {
  return mapSessionErrors(inner, toNestError);
}
