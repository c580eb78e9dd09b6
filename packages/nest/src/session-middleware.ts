import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SessionData, SessionManager } from '@cloakroom/session-core';
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { attachSlot, RequestSlot, requestStorage, slotOf } from './context.ts';
import { holdHead } from './express.ts';
import { SESSION_MANAGER } from './tokens.ts';

/**
 * Gives each request on the module's routes its session slot. On Express it also holds the response head
 * for the commit (see `holdHead`); on Fastify the hooks the module adds do that (see `hookFastify`).
 * @internal Applied by {@link SessionModule}; not meant to be applied by hand.
 */
@Injectable()
export class SessionMiddleware implements NestMiddleware {
  readonly #manager: SessionManager<SessionData>;
  readonly #fastify: boolean;

  constructor(
    @Inject(SESSION_MANAGER) manager: SessionManager<SessionData>,
    @Inject(HttpAdapterHost) adapterHost: HttpAdapterHost,
  ) {
    this.#manager = manager;
    this.#fastify = adapterHost.httpAdapter?.getType() === 'fastify';
  }

  use(
    request: IncomingMessage & { secure?: boolean },
    response: ServerResponse,
    next: (error?: unknown) => void,
  ): void {
    // Matched twice (overlapping routes): the first slot stays.
    if (slotOf(request) !== undefined) {
      next();
      return;
    }
    // On Express `req.secure` honours its `trust proxy` setting; on Fastify the onRequest hook refines this.
    const secure =
      request.secure === true || (request.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
    const slot = new RequestSlot(this.#manager, request.headers.cookie, secure);
    attachSlot(request, slot);
    if (!this.#fastify) holdHead(response, slot, next);
    requestStorage.run(slot, () => next());
  }
}
