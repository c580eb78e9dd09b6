import type { IncomingMessage, OutgoingHttpHeader, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import {
  applyToNodeResponse,
  type CommitResult,
  createSessionManager,
  type Session,
  SessionError,
  type SessionHandle,
  type SessionManager,
  type SessionManagerOptions,
} from '@cloakroom/session-core';

/**
 * The shape of your session data. Empty here: augment it in your app and `req.session` is typed by it.
 * Without an augmentation, any string key holds `unknown`.
 * @example
 * declare module '@cloakroom/session-express' {
 *   interface SessionData {
 *     cart: string[];
 *     theme: 'light' | 'dark';
 *   }
 * }
 */
// biome-ignore lint/suspicious/noEmptyInterface: apps fill it in through declaration merging.
export interface SessionData {}

/** The data type `req.session` uses: your {@link SessionData}, or any string key when it is not augmented. */
export type AppSessionData = keyof SessionData extends never
  ? Record<string, unknown>
  : { [K in keyof SessionData]: SessionData[K] };

declare global {
  namespace Express {
    interface Request {
      /** The request's session, set by `session()` from `@cloakroom/session-express`. */
      session: Session<AppSessionData>;
    }
  }
}

/** Options of {@link session}: the core manager's options. Times are in seconds. */
export interface SessionOptions extends SessionManagerOptions {}

/** What {@link session} returns: an Express middleware, plus the manager it built. */
export interface SessionMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
  /** The manager behind the middleware, for work outside a request (list or revoke a user's sessions). */
  readonly manager: SessionManager<AppSessionData>;
}

/** What the adapter reads of Express's request. */
interface ExpressRequest extends IncomingMessage {
  secure?: boolean;
  session?: Session<AppSessionData>;
}

type Call =
  | { readonly kind: 'writeHead'; readonly args: unknown[] }
  | { readonly kind: 'write'; readonly args: unknown[] }
  | { readonly kind: 'end'; readonly args: unknown[] };

type Report = (error: SessionError) => void;

const installed = new WeakSet<ServerResponse>();

// Headers that describe the handler's body; a 503 built by the error handler must not inherit them.
const REPRESENTATION_HEADERS = [
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

function defaultReport(error: SessionError): void {
  console.error(`[cloakroom] ${error.code}: ${error.message}`);
}

function asSessionError(error: unknown): SessionError {
  if (error instanceof SessionError) return error;
  return new SessionError('SESSION_USAGE', 'The session commit failed.', { cause: error });
}

/**
 * Server-side sessions for Express 4 and 5. Mount it before your routes; `req.session` is then the
 * request's {@link Session}. The session is saved before the response head goes out, whatever the
 * handler does (`res.json`, `res.redirect`, `res.end`, `res.write` streaming, `res.sendFile`,
 * `res.writeHead`), so the `Set-Cookie` is in the head and a client following a redirect sees the
 * write. A store failure reaches your error handler as a `SessionStoreError` with `status` 503.
 *
 * Secure requests are detected with `req.secure`, which follows Express's `trust proxy` setting.
 * @throws SessionError `SESSION_CONFIG` when the options are invalid (short secret, bad cookie options)
 * @example
 * import express from 'express';
 * import { memoryStore } from '@cloakroom/session-core';
 * import { session } from '@cloakroom/session-express';
 *
 * const app = express();
 * app.use(session({ store: memoryStore(), secret: process.env.SESSION_SECRET! }));
 * app.get('/', async (req, res) => {
 *   const visits = await req.session.update('visits', (n) => Number(n ?? 0) + 1);
 *   res.json({ visits });
 * });
 */
export function session(options: SessionOptions): SessionMiddleware {
  const manager = createSessionManager<AppSessionData>(options);
  const report: Report = options.onError ?? defaultReport;
  const middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void => {
    if (installed.has(res)) {
      next(
        new SessionError(
          'SESSION_USAGE',
          '@cloakroom/session-express: session() ran twice for one request; mount it once.',
        ),
      );
      return;
    }
    installed.add(res);
    const request = req as ExpressRequest;
    // The real head (not the held one): after it, save() must not start a session it cannot send.
    const headSent = inheritedGetter(res, 'headersSent');
    const handle = manager.open({
      cookie: req.headers.cookie,
      secure: request.secure === true,
      headersSent: () => headSent.call(res) === true,
    });
    request.session = handle.session;
    holdHead(res, handle, next, report);
    next();
  };
  return Object.assign(middleware, { manager });
}

/**
 * Wraps `writeHead`, `write` and `end` of one response so the first of them waits for the commit:
 * the session's headers are set while the head can still carry them, and the store write has finished
 * before any byte of the response leaves. Once committed the wrappers pass calls straight through (they
 * stay in place, so middleware that wrapped these methods after us keeps working).
 */
function holdHead(
  res: ServerResponse,
  handle: SessionHandle<AppSessionData>,
  next: (error?: unknown) => void,
  report: Report,
): void {
  const original = { writeHead: res.writeHead, write: res.write, end: res.end };
  let phase: 'open' | 'holding' | 'through' | 'failed' = 'open';
  let queue: Call[] = [];

  const commitFirst = async (status: number): Promise<void> => {
    phase = 'holding';
    let result: CommitResult;
    try {
      result = await handle.commit({ status });
      // Changes made while the commit ran (the handler kept going) still fit in this head. Bounded: a
      // handler that keeps writing is saved again when the response ends.
      for (let round = 0; round < 3 && status < 500 && handle.session.state === 'modified'; round++) {
        result = await handle.commit({ status });
      }
    } catch (error) {
      fail(error);
      return;
    }
    phase = 'through';
    const calls = queue;
    queue = [];
    let pending: boolean | undefined;
    try {
      for (const call of calls) {
        if (call.kind === 'writeHead') {
          writeHead(call.args, result);
        } else if (call.kind === 'write') {
          if (!res.headersSent) applyToNodeResponse(res, result);
          pending = Reflect.apply(original.write, res, call.args) as boolean;
        } else {
          if (!res.headersSent) applyToNodeResponse(res, result);
          Reflect.apply(original.end, res, call.args);
        }
      }
    } catch (error) {
      // What the deferred call threw (an invalid header, say) would have thrown in the handler: hand it
      // to Express's error path while a response can still be written, else cut the connection.
      if (res.headersSent) res.destroy(error instanceof Error ? error : undefined);
      else next(error);
      return;
    }
    // Queued writes answered false (back-pressure); release whoever waits for 'drain'.
    if (pending === true) res.emit('drain');
  };

  const writeHead = (args: unknown[], result: CommitResult): void => {
    const [status, second, third] = args;
    const headers = typeof second === 'string' ? third : second;
    // Apply the handler's headers as writeHead would, then ours on top, then write the head itself.
    if (Array.isArray(headers)) {
      const flat = (Array.isArray(headers[0]) ? headers.flat() : headers) as OutgoingHttpHeader[];
      for (let i = 0; i < flat.length; i += 2) res.removeHeader(String(flat[i]));
      for (let i = 0; i < flat.length; i += 2) appendHeader(res, String(flat[i]), flat[i + 1]!);
    } else if (headers !== undefined && headers !== null) {
      for (const [name, value] of Object.entries(headers as OutgoingHttpHeaders)) {
        if (value !== undefined) res.setHeader(name, value);
      }
    }
    applyToNodeResponse(res, result);
    if (typeof second === 'string') Reflect.apply(original.writeHead, res, [status, second]);
    else Reflect.apply(original.writeHead, res, [status]);
  };

  const fail = (error: unknown): void => {
    phase = 'failed';
    queue = [];
    const failure = asSessionError(error);
    if (!res.headersSent) {
      // The handler's response is dropped; the app's error handler answers (503 for a store failure).
      for (const name of REPRESENTATION_HEADERS) res.removeHeader(name);
      next(failure);
    } else {
      report(failure);
      res.destroy();
    }
  };

  // After the head went out: a change made later is saved before the response ends, without a cookie.
  const endLate = (args: unknown[]): ServerResponse => {
    phase = 'holding';
    handle.commit({ status: res.statusCode, cookies: false }).then(
      () => {
        phase = 'through';
        Reflect.apply(original.end, res, args);
      },
      (error: unknown) => fail(error),
    );
    return res;
  };

  // While the head is held, the response counts as sent: an error handler that runs after the handler
  // answered must not write a second response into the held head (it would mix the two).
  const sent = inheritedGetter(res, 'headersSent');
  Object.defineProperty(res, 'headersSent', {
    configurable: true,
    enumerable: false,
    get: () => phase === 'holding' || sent.call(res) === true,
  });

  res.writeHead = function writeHead(this: ServerResponse, ...args: unknown[]): ServerResponse {
    if (phase === 'through' || phase === 'failed')
      return Reflect.apply(original.writeHead, this, args) as ServerResponse;
    queue.push({ kind: 'writeHead', args });
    if (phase === 'open') void commitFirst(typeof args[0] === 'number' ? args[0] : res.statusCode);
    return this;
  } as unknown as ServerResponse['writeHead'];

  res.write = function write(this: ServerResponse, ...args: unknown[]): boolean {
    if (phase === 'through' || phase === 'failed')
      return Reflect.apply(original.write, this, args) as boolean;
    queue.push({ kind: 'write', args });
    if (phase === 'open') void commitFirst(res.statusCode);
    return false;
  } as unknown as ServerResponse['write'];

  res.end = function end(this: ServerResponse, ...args: unknown[]): ServerResponse {
    if (phase === 'failed') return Reflect.apply(original.end, this, args) as ServerResponse;
    if (phase === 'through') {
      if (res.headersSent && !res.writableEnded && handle.session.state !== 'unmodified')
        return endLate(args);
      return Reflect.apply(original.end, this, args) as ServerResponse;
    }
    queue.push({ kind: 'end', args });
    if (phase === 'open') void commitFirst(res.statusCode);
    return this;
  } as unknown as ServerResponse['end'];
}

function inheritedGetter(target: object, name: string): () => unknown {
  for (let proto = Object.getPrototypeOf(target); proto !== null; proto = Object.getPrototypeOf(proto)) {
    const getter = Object.getOwnPropertyDescriptor(proto, name)?.get;
    if (getter) return getter;
  }
  throw new Error(`@cloakroom/session-express: the response has no ${name} getter`);
}

function appendHeader(res: ServerResponse, name: string, value: OutgoingHttpHeader): void {
  const existing = res.getHeader(name);
  if (existing === undefined) {
    res.setHeader(name, value);
    return;
  }
  const list = (value: OutgoingHttpHeader): string[] =>
    Array.isArray(value) ? value.map(String) : [String(value)];
  res.setHeader(name, [...list(existing), ...list(value)]);
}
