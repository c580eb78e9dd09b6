import { SessionError, SessionStoreError } from '@cloakroom/session-core';
import {
  ForbiddenException,
  HttpException,
  InternalServerErrorException,
  Logger,
  ServiceUnavailableException,
} from '@nestjs/common';

const logger = new Logger('SessionModule');

/**
 * Maps a session failure to the Nest exception a client should see: a store that is down (or a write that
 * kept conflicting) becomes `ServiceUnavailableException` (503), a CSRF refusal 403, and other server-side
 * faults 500. The body never carries the cause; the original error is the exception's `cause`.
 * The module applies it itself; it is exported for code that drives a session manager by hand.
 * @example
 * try {
 *   await manager.destroyUserSessions(userId);
 * } catch (error) {
 *   throw toHttpException(error); // 503 when the store is down
 * }
 */
export function toHttpException(error: unknown): HttpException {
  if (error instanceof HttpException) return error;
  if (error instanceof SessionError) {
    if (error.status === 503) return new ServiceUnavailableException(undefined, { cause: error });
    if (error.status === 403) return new ForbiddenException(undefined, { cause: error });
    if (error.expose) return new HttpException(error.message, error.status, { cause: error });
  }
  return new InternalServerErrorException(undefined, { cause: error });
}

/**
 * Logs a server-side session failure once, with its code and the (already redacted) cause. A store failure
 * is not logged here: the session manager's `onEvent` already reported it (with its operation and latency),
 * so a 503 makes one line, not two.
 */
export function logFailure(error: unknown): void {
  if (error instanceof SessionStoreError) return;
  if (error instanceof SessionError) {
    if (error.status < 500) return;
    const cause = error.cause instanceof Error ? ` (${error.cause.name}: ${error.cause.message})` : '';
    logger.error(`${error.code}: ${error.message}${cause}`);
    return;
  }
  logger.error(error);
}

/** Reports a failure that can no longer change the response (its head was already sent). */
export function reportLate(error: unknown): void {
  logFailure(error instanceof SessionError ? error : new SessionError('SESSION_USAGE', String(error)));
}
