import type { ServerResponse } from 'node:http';
import { type CommitResult, SessionStoreError } from '@cloakroom/session-core';
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
  'cache-control',
];

type Method = 'writeHead' | 'write' | 'end' | 'flushHeaders';

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
 * Holds the response head for the commit. Node sends the head with the first `writeHead`, `write`, `end`
 * or `flushHeaders` (from `res.json`, `@Redirect`, Nest's exception layer, a `StreamableFile` pipe, SSE,
 * or a handler using `@Res()`): the first of those calls waits while the session commits, so its
 * `Set-Cookie` is in the head and the store write is done before a byte leaves; the held calls are then
 * replayed in order. A request whose session was never used, or whose commit another path already made
 * (Fastify's `onSend`), passes straight through. A failed commit drops the held response and is handed
 * to `failure` as the Nest exception to answer.
 */
export function holdHead(response: ServerResponse, slot: RequestSlot, failure: CommitFailure): void {
  const original = {
    writeHead: response.writeHead,
    write: response.write,
    end: response.end,
    flushHeaders: response.flushHeaders,
  };
  let state: 'waiting' | 'committing' | 'passing' | 'failed' = 'waiting';
  let held: Array<{ method: Method; args: unknown[] }> = [];

  const replay = (result: CommitResult | null): void => {
    state = 'passing';
    if (result !== null && !response.headersSent) applyCommit(nodeHeaders(response), result);
    const calls = held;
    held = [];
    let writable = true;
    let wroteHeld = false;
    for (const { method, args } of calls) {
      // A second head (flushHeaders' implicit one, say) once the first is out would throw.
      if (method === 'writeHead' && response.headersSent) continue;
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
    const cookies = response.getHeader('set-cookie');
    if (cookies !== undefined) response.removeHeader('set-cookie');
    failure(toHttpException(error));
  };

  const commit = async (status: number): Promise<void> => {
    state = 'committing';
    let result: CommitResult | null;
    try {
      result = await slot.commit(status);
      // The handler may have changed the session while the store wrote: bounded, the cookie still fits.
      for (let round = 0; round < 2 && status < 500 && slot.session.state === 'modified'; round++) {
        result = await slot.commit(status);
      }
    } catch (error) {
      fail(error);
      return;
    }
    try {
      replay(result);
    } catch (error) {
      // The handler's own calls failed on replay (as they would have without us): end the response.
      reportLate(error);
      response.destroy();
    }
  };

  const passes = (): boolean => {
    if (state === 'waiting' && (!slot.opened || slot.committedByHook)) state = 'passing';
    return state === 'passing' || state === 'failed';
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
    if (passes()) return Reflect.apply(original.writeHead, this, args) as ServerResponse;
    hold('writeHead', args, typeof args[0] === 'number' ? args[0] : response.statusCode);
    return this;
  } as ServerResponse['writeHead'];

  response.flushHeaders = function flushHeaders(this: ServerResponse): void {
    if (passes()) {
      Reflect.apply(original.flushHeaders, this, []);
      return;
    }
    hold('flushHeaders', [], response.statusCode);
  };

  response.write = function write(this: ServerResponse, ...args: unknown[]): boolean {
    if (passes()) return Reflect.apply(original.write, this, args) as boolean;
    hold('write', args, response.statusCode);
    return false;
  } as ServerResponse['write'];

  response.end = function end(this: ServerResponse, ...args: unknown[]): ServerResponse {
    const passing = passes();
    if (
      passing &&
      state === 'passing' &&
      slot.opened &&
      !slot.committedByHook &&
      response.headersSent &&
      !response.writableEnded &&
      slot.session.state !== 'unmodified'
    ) {
      endLate(args);
      return this;
    }
    if (passing) return Reflect.apply(original.end, this, args) as ServerResponse;
    hold('end', args, response.statusCode);
    return this;
  } as ServerResponse['end'];
}
