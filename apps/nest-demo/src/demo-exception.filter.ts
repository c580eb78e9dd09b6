import { type ArgumentsHost, Catch, type ExceptionFilter, NotFoundException } from '@nestjs/common';
import { errorOutcome, NOT_FOUND } from 'demo-kit';
import type { Response } from 'express';
import { reply } from './reply.ts';

/**
 * Answers every error as `{ "error": "..." }` with its status, as all the demos do: a `DemoError`'s own
 * (400, 401, 501), 503 for a store outage (the module raises it as `ServiceUnavailableException`, also when
 * the save before the response head fails), 403 for a refused CSRF check, 400 for a malformed body, 404 for
 * a route Nest does not know, 500 (logged, message hidden) for anything else.
 */
@Catch()
export class DemoExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) {
      // Too late for another answer (a handler that streamed): end what was sent.
      res.end();
      return;
    }
    reply(res, exception instanceof NotFoundException ? NOT_FOUND : errorOutcome(exception));
  }
}
