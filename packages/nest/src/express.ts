import type { ServerResponse } from 'node:http';
import type { CommitResult } from '@cloakroom/session-core';
import { SessionStoreError } from '@cloakroom/session-core';
import type { RequestSlot } from './context.ts';
import { logFailure, reportLate, toHttpException } from './errors.ts';
import { applyCommit, type HeaderTarget } from './headers.ts';

/** Node's response as a {@link HeaderTarget}. */
export function nodeHeaders(response: ServerResponse): HeaderTarget {
  return {
    get: (name) => response.getHeader(name),
    set: (name, value) => {
      response.setHeader(name, value);
    },
  };
}

// Headers describing the handler's body: the error response that replaces it must not inherit them.
const BODY_HEADERS = [
  'content-length',
  'content-type',
  'content-encoding',
  'content-language',
  'content-range',
  'content-disposition',
  'etag',
  'last-modified',
  'location',
  'transfer-encoding',
];

type Method = 'writeHead' | 'write' | 'end';

/**
 * On Express the head leaves with the first `writeHead`, `write` or `end` (whether from `res.json`,
 * `res.redirect`, Nest's exception layer, a `StreamableFile` pipe or a handler using `@Res()`). The
 * first of those calls is held while the session commits, so its `Set-Cookie` is in the head and the
 * store write is done before a byte leaves; the held calls are then replayed in order. A request whose
 * session was never used passes straight through. A failed commit drops the held response and goes to
 * `next(exception)`: Nest's exception layer answers (503 for a store failure).
 */
export function holdHead(response: ServerResponse, slot: RequestSlot, next: (error: unknown) => void): void {
  const original = { writeHead: response.writeHead, write: response.write, end: response.end };
  let state: 'waiting' | 'committing' | 'passing' | 'failed' = 'waiting';
  let held: Array<{ method: Method; args: unknown[] }> = [];

  const replay = (result: CommitResult | null): void => {
    state = 'passing';
    if (result !== null && !response.headersSent) applyCommit(nodeHeaders(response), result, slot.cookieName);
    const calls = held;
    held = [];
    let writable = true;
    let wroteHeld = false;
    for (const { method, args } of calls) {
      const value: unknown = Reflect.apply(original[method], response, args);
      if (method === 'write') {
        wroteHeld = true;
        writable = value === true;
      }
    }
    // Held writes answered false (a pipe waits for 'drain'); release it unless Node still buffers.
    if (wroteHeld && writable) response.emit('drain');
  };

  const fail = (error: unknown): void => {
    state = 'failed';
    held = [];
    logFailure(error);
    for (const name of BODY_HEADERS) response.removeHeader(name);
    next(toHttpException(error));
  };

  const commit = async (status: number): Promise<void> => {
    state = 'committing';
    try {
      let result = await slot.commit(status);
      // The handler may have changed the session while the store wrote: bounded, the cookie still fits.
      for (let round = 0; round < 2 && status < 500 && slot.session.state === 'modified'; round++) {
        result = await slot.commit(status);
      }
      replay(result);
    } catch (error) {
      fail(error);
    }
  };

  const hold = (method: Method, args: unknown[], status: number): void => {
    held.push({ method, args });
    if (state === 'waiting') void commit(status);
  };

  // After the head left, a change made while streaming is saved before the response ends (no cookie).
  const endLate = (args: unknown[]): void => {
    state = 'committing';
    slot.commit(response.statusCode, false).then(
      () => {
        state = 'passing';
        Reflect.apply(original.end, response, args);
      },
      (error: unknown) => {
        state = 'passing';
        reportLate(error);
        // The client must not take a response whose session write failed for a complete one.
        if (error instanceof SessionStoreError) response.destroy();
        else Reflect.apply(original.end, response, args);
      },
    );
  };

  response.writeHead = function writeHead(this: ServerResponse, ...args: unknown[]): ServerResponse {
    if (state === 'waiting' && !slot.opened) state = 'passing';
    if (state === 'passing' || state === 'failed') {
      return Reflect.apply(original.writeHead, this, args) as ServerResponse;
    }
    hold('writeHead', args, typeof args[0] === 'number' ? args[0] : response.statusCode);
    return this;
  } as ServerResponse['writeHead'];

  response.write = function write(this: ServerResponse, ...args: unknown[]): boolean {
    if (state === 'waiting' && !slot.opened) state = 'passing';
    if (state === 'passing' || state === 'failed')
      return Reflect.apply(original.write, this, args) as boolean;
    hold('write', args, response.statusCode);
    return false;
  } as ServerResponse['write'];

  response.end = function end(this: ServerResponse, ...args: unknown[]): ServerResponse {
    if (state === 'waiting' && !slot.opened) state = 'passing';
    if (state === 'passing' && response.headersSent && !response.writableEnded && slot.opened) {
      if (slot.session.state !== 'unmodified') {
        endLate(args);
        return this;
      }
    }
    if (state === 'passing' || state === 'failed')
      return Reflect.apply(original.end, this, args) as ServerResponse;
    hold('end', args, response.statusCode);
    return this;
  } as ServerResponse['end'];
}
