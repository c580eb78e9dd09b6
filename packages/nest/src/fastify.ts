import { commitOnSend, type ReplyHeadTarget } from '@cloakroom/session-core/node';
import { exposeSession, requestStorage, slotOf } from './context.ts';
import { logFailure, toHttpException } from './errors.ts';

/** The part of a Fastify request the adapter reads (no dependency on Fastify's types). */
interface FastifyRequestLike {
  readonly raw: object;
  readonly protocol: string;
}

/** The part of a Fastify reply the adapter writes (core's structural reply head). */
export type FastifyReplyLike = ReplyHeadTarget;

type Done = (error?: Error) => void;

/** The part of a Fastify instance the adapter hooks into. */
export interface FastifyInstanceLike {
  addHook(
    name: 'onRequest' | 'preValidation',
    hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: Done) => void,
  ): unknown;
  addHook(
    name: 'onSend',
    hook: (request: FastifyRequestLike, reply: FastifyReplyLike, payload: unknown) => Promise<unknown>,
  ): unknown;
}

const hooked = new WeakSet<object>();

/**
 * Nest middleware sees only the raw Node request on Fastify, and the head is written by Fastify, not by
 * `res.end()`. So the slot the middleware bound to `request.raw` is picked up by Fastify hooks:
 * `onRequest` settles `secure` from Fastify's proxy-aware `request.protocol` and enters the request's
 * AsyncLocalStorage context, `preValidation` enters it again after the body was read (stream events
 * lose it), and `onSend` commits before Fastify writes the head (core's `commitOnSend`, shared with
 * `@cloakroom/session-fastify`). A failed commit is thrown to Fastify's
 * error handler, which Nest installs as its exception layer: the client gets Nest's 503.
 */
export function hookFastify(instance: FastifyInstanceLike): void {
  if (hooked.has(instance)) return;
  hooked.add(instance);
  // A request without a slot runs outside any session context (see SessionContextReset).
  const outside = (done: Done): void => {
    if (requestStorage.getStore() === undefined) done();
    else requestStorage.exit(done);
  };
  instance.addHook('onRequest', (request, _reply, done) => {
    const slot = slotOf(request.raw);
    if (slot === undefined) return outside(done);
    if (!slot.opened) slot.secure = request.protocol === 'https';
    exposeSession(request, slot);
    requestStorage.run(slot, done);
  });
  instance.addHook('preValidation', (request, _reply, done) => {
    const slot = slotOf(request.raw);
    if (slot === undefined) return outside(done);
    requestStorage.run(slot, done);
  });
  instance.addHook('onSend', async (request, reply, payload) => {
    const slot = slotOf(request.raw);
    if (slot === undefined || !slot.opened) return payload;
    slot.committedByHook = true;
    try {
      await commitOnSend(slot, reply);
    } catch (error) {
      logFailure(error);
      throw toHttpException(error);
    }
    return payload;
  });
}
