import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SessionData, SessionManager } from '@cloakroom/session-core';
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { attachSlot, exposeSession, RequestSlot, requestStorage, slotOf } from './context.ts';
import { answerOnRaw, holdHead } from './hold-head.ts';
import { SESSION_MANAGER } from './tokens.ts';

/**
 * Gives each request on the module's routes its session slot, runs the rest of the request in its
 * AsyncLocalStorage context, and holds the Node response's head for the commit (see `holdHead`). On
 * Fastify the onSend hook commits Fastify's own replies first (see `hookFastify`), so the hold only acts
 * on heads written around Fastify, on `reply.raw`.
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
    exposeSession(request, slot);
    // Express: a failed commit goes to Nest's exception layer (its error handler) through `next`. Fastify
    // commits in onSend; this hold only acts on heads written around it (`reply.raw`, SSE).
    holdHead(response, slot, this.#fastify ? answerOnRaw(response) : next);
    requestStorage.run(slot, () => next());
  }
}

/**
 * Runs every request outside any session context before {@link SessionMiddleware} decides whether it gets
 * one, so a request on an excluded route can never find the session of an earlier request on the same
 * connection in AsyncLocalStorage (a context can outlive its request through resources Node creates
 * while answering it).
 * @internal Applied by {@link SessionModule} to every route.
 */
@Injectable()
export class SessionContextReset implements NestMiddleware {
  use(_request: IncomingMessage, _response: ServerResponse, next: () => void): void {
    if (requestStorage.getStore() === undefined) {
      next();
      return;
    }
    requestStorage.exit(next);
  }
}
