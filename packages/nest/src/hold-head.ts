import type { ServerResponse } from 'node:http';
import type { CommitResult, SessionState } from '@cloakroom/session-core';
import { type HoldSource, holdResponse } from '@cloakroom/session-core/node';
import type { RequestSlot } from './context.ts';
import { logFailure, reportLate, toHttpException } from './errors.ts';

/** Answers a commit that failed before any byte of the response left. */
export type CommitFailure = (exception: ReturnType<typeof toHttpException>) => void;

/**
 * Answers a failed commit on the raw response itself, with the body Nest gives the exception: for
 * responses written around the framework (Fastify's `reply.raw`), where no exception layer is reachable.
 */
export function answerOnRaw(response: ServerResponse): CommitFailure {
  return (exception) => {
    const body = JSON.stringify(exception.getResponse());
    response.statusCode = exception.getStatus();
    response.setHeader('content-type', 'application/json; charset=utf-8');
    response.setHeader('content-length', Buffer.byteLength(body));
    response.end(body);
  };
}

/**
 * Holds the response head for the commit, with core's Node holder: the first `writeHead`, `write`, `end`
 * or `flushHeaders` (from `res.json`, `@Redirect`, Nest's exception layer, a `StreamableFile` pipe, SSE,
 * or a handler using `@Res()`) waits while the session commits, then the held calls are replayed. A
 * request whose session was never used, or whose commit Fastify's `onSend` already made, passes straight
 * through. A failed commit drops the held response and is handed to `failure` as the Nest exception.
 */
export function holdHead(response: ServerResponse, slot: RequestSlot, failure: CommitFailure): void {
  holdResponse(response, new SlotSource(slot), {
    onFailure: (error) => {
      logFailure(error);
      failure(toHttpException(error));
    },
    onLateFailure: reportLate,
    // Nest's exception layer reads headersSent to decide whether it may still answer.
    guardHeadersSent: false,
  });
}

/** The slot as the holder sees it: nothing to hold until it is opened, or once a hook committed it. */
class SlotSource implements HoldSource {
  readonly #slot: RequestSlot;

  constructor(slot: RequestSlot) {
    this.#slot = slot;
  }

  #handled(): boolean {
    return !this.#slot.opened || this.#slot.committedByHook;
  }

  get idle(): boolean {
    return this.#handled() || this.#slot.idle;
  }

  get state(): SessionState {
    return this.#handled() ? 'unmodified' : this.#slot.state;
  }

  commit(status: number, cookies: boolean): Promise<CommitResult | null> {
    return this.#slot.commit(status, cookies);
  }

  commitNow(status: number): CommitResult | undefined {
    return this.#slot.commitNow(status);
  }
}
