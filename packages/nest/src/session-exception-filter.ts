import { SessionError } from '@cloakroom/session-core';
import { type ArgumentsHost, Catch, type HttpException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { logFailure, toHttpException } from './errors.ts';

/**
 * Turns a {@link SessionError} thrown anywhere in a request (a handler or guard reading a session while
 * the store is down) into Nest's own response: 503 `ServiceUnavailableException` for store failures,
 * without the cause or a stack in the body. The failure is logged once with its redacted cause.
 * @internal Registered by {@link SessionModule} as a global filter.
 */
@Catch(SessionError)
export class SessionExceptionFilter extends BaseExceptionFilter {
  override catch(error: SessionError, host: ArgumentsHost): HttpException | undefined {
    logFailure(error);
    const exception = toHttpException(error);
    // GraphQL (and other non-HTTP contexts) take the filter's return value as the error to report.
    if (host.getType() !== 'http') return exception;
    super.catch(exception, host);
    return undefined;
  }
}
