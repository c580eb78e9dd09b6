/**
 * `@cloakroom/session-core/node`: the one holder of a Node response head, for adapters whose framework
 * writes straight to Node's `ServerResponse` (Express, NestJS on Express, Next.js Pages API routes).
 *
 * A commit is asynchronous, but `res.json()`, `res.redirect()`, a piped stream or an error page write the
 * head at once. The holder wraps `writeHead`, `write`, `end` and `flushHeaders`: the first of them, when
 * the session has something to commit, waits while it commits, so the `Set-Cookie` is in the head and the
 * store write has finished before a byte leaves; the held calls are then replayed in order. A request
 * whose session was never touched passes straight through, synchronously. Frameworks that write the
 * head themselves after an `onSend` hook (Fastify, Nest on Fastify) use {@link commitOnSend} instead.
 * Types are structural: no framework (and not even `node:http`) is imported.
 */
import { applyToNodeResponse, type NodeHeaderTarget } from './apply.ts';
import { SessionError } from './errors.ts';
import type { CommitResult, SessionData, SessionHandle, SessionState } from './session.ts';

/** The part of Node's `ServerResponse` the holder uses. */
export interface NodeResponse extends NodeHeaderTarget {
  writeHead(...args: never[]): unknown;
  write(...args: never[]): boolean;
  end(...args: never[]): unknown;
  flushHeaders(): void;
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  statusCode: number;
  removeHeader(name: string): void;
  emit(event: string): boolean;
  destroy(error?: Error): unknown;
}

/**
 * What the holder commits: a session handle, or an adapter's own view of one (a handle opened on first
 * use, a commit another hook already made).
 */
export interface HoldSource {
  /** Whether there is nothing to commit now; then the head passes straight through, synchronously. */
  readonly idle: boolean;
  /** The session's state: `modified` after the first commit means the handler changed it meanwhile. */
  readonly state: SessionState;
  /** Commits (`cookies`: false once the head left); null when there was nothing to commit. */
  commit(status: number, cookies: boolean): Promise<CommitResult | null>;
}

/** Options of {@link holdResponse}. */
export interface HoldOptions {
  /**
   * A commit failed before any byte of the response left (or a held call threw on replay, as it would
   * have in the handler): the held calls are dropped, the headers that described the handler's body and
   * our cookies are removed; answer the failure (Express: `next(error)`).
   */
  onFailure: (error: unknown) => void;
  /**
   * A commit failed after the head left (a change made while streaming). The connection is destroyed for a store failure, so the client never takes a response whose
   * session write failed for a complete one.
   */
  onLateFailure: (error: unknown) => void;
  /**
   * While the head is held, report `headersSent` as true, so an error handler that runs after the
   * handler answered does not write a second response into the held head. @default true
   */
  guardHeadersSent?: boolean;
}

/** A held response. */
export interface HeldResponse {
  /** Resolves once a commit the response started has finished and its calls were replayed (or dropped). */
  settled(): Promise<void>;
  /** Puts the original methods back (when nothing wrapped them after us) and stops holding. */
  release(): void;
  /** Whether the real head went out (not the held one): after it, no `Set-Cookie` can be added. */
  headSent(): boolean;
}

// Headers describing the handler's body: the error response that replaces a dropped one must not keep them.
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
  'set-cookie',
];

type Method = 'writeHead' | 'write' | 'end' | 'flushHeaders';
type Call = { readonly method: Method; readonly args: unknown[] };

function inheritedGetter(target: object, name: string): (() => unknown) | undefined {
  for (let proto = Object.getPrototypeOf(target); proto !== null; proto = Object.getPrototypeOf(proto)) {
    const getter = Object.getOwnPropertyDescriptor(proto, name)?.get;
    if (getter) return getter;
  }
  return undefined;
}

/**
 * Holds `res`'s head for `handle`'s commit (see the module comment). Call it once per response, before
 * the handler runs.
 * @example
 * const handle = manager.open({ cookie: req.headers.cookie, secure: false });
 * holdResponse(res, handle, { onFailure: (error) => next(error), onLateFailure: report });
 */
export function holdResponse<Data extends SessionData>(
  res: NodeResponse,
  from: SessionHandle<Data> | HoldSource,
  options: HoldOptions,
): HeldResponse {
  const source: HoldSource = 'session' in from ? handleSource(from) : from;
  const commit = (status: number, cookies: boolean): Promise<CommitResult | null> =>
    source.commit(status, cookies);
  const target = res as unknown as Record<Method, (...args: unknown[]) => unknown>;
  const original: Record<Method, (...args: unknown[]) => unknown> = {
    writeHead: target.writeHead,
    write: target.write,
    end: target.end,
    flushHeaders: target.flushHeaders,
  };
  const call = (method: Method, args: unknown[]): unknown => Reflect.apply(original[method], res, args);
  let phase: 'open' | 'holding' | 'through' | 'failed' = 'open';
  let queue: Call[] = [];
  let done: Promise<void> = Promise.resolve();

  // The real head, not the held one: after it, no Set-Cookie can be added.
  const sent = inheritedGetter(res, 'headersSent');
  const headSent = (): boolean => (sent ? sent.call(res) === true : res.headersSent);
  if (options.guardHeadersSent !== false && sent) {
    Object.defineProperty(res, 'headersSent', {
      configurable: true,
      enumerable: false,
      get: () => phase === 'holding' || sent.call(res) === true,
    });
  }

  const fail = (error: unknown): void => {
    phase = 'failed';
    queue = [];
    if (!headSent()) {
      for (const name of BODY_HEADERS) res.removeHeader(name);
      options.onFailure(error);
    } else {
      options.onLateFailure(error);
      res.destroy();
    }
  };

  // A held `writeHead(status, [message,] headers)`: its headers are set as Node would set them, then ours
  // on top (a handler's Cache-Control or Set-Cookie must not drop the session's), then the head goes out.
  const writeHead = (args: unknown[], apply: () => void): void => {
    const [status, second, third] = args;
    const headers = typeof second === 'string' ? third : second;
    if (Array.isArray(headers)) {
      const flat = (Array.isArray(headers[0]) ? headers.flat() : headers) as unknown[];
      for (let i = 0; i < flat.length; i += 2) res.removeHeader(String(flat[i]));
      for (let i = 0; i < flat.length; i += 2) {
        const name = String(flat[i]);
        const existing = res.getHeader(name);
        const value = flat[i + 1] as string | string[];
        res.setHeader(name, existing === undefined ? value : [existing, value].flat().map(String));
      }
    } else if (headers !== null && typeof headers === 'object') {
      for (const [name, value] of Object.entries(headers)) {
        if (value !== undefined) res.setHeader(name, value as string | string[]);
      }
    }
    apply();
    call('writeHead', typeof second === 'string' ? [status, second] : [status]);
  };

  const replay = (result: CommitResult | null): void => {
    phase = 'through';
    let applied = false;
    const apply = (): void => {
      if (!applied && result !== null && !headSent()) applyToNodeResponse(res, result);
      applied = true;
    };
    const calls = queue;
    queue = [];
    let writable = true;
    let wroteHeld = false;
    for (const { method, args } of calls) {
      if (method === 'writeHead') {
        // A second head (flushHeaders' implicit one, say) once the first is out would throw.
        if (!headSent()) writeHead(args, apply);
        continue;
      }
      apply();
      const value = call(method, args);
      if (method === 'write') {
        wroteHeld = true;
        writable = value === true;
      }
    }
    // Held writes answered false (a pipe waits for 'drain'); release it unless Node still buffers.
    if (wroteHeld && writable) res.emit('drain');
  };

  const commitFirst = async (status: number): Promise<void> => {
    phase = 'holding';
    let result: CommitResult | null;
    try {
      result = await commit(status, true);
      // Changes made while the commit ran (the handler kept going) still fit in this head. Bounded: a
      // handler that keeps writing is saved again when the response ends.
      for (let round = 0; round < 3 && status < 500 && source.state === 'modified'; round++) {
        result = await commit(status, true);
      }
    } catch (error) {
      fail(error);
      return;
    }
    try {
      replay(result);
    } catch (error) {
      // The handler's own call failed on replay (an invalid header, say), as it would have thrown in the
      // handler without us: answered like a failed commit while the head can still be written.
      fail(error);
    }
  };

  const passes = (): boolean => {
    if (phase === 'open' && source.idle) phase = 'through';
    return phase === 'through' || phase === 'failed';
  };

  const hold = (method: Method, args: unknown[], status: number): void => {
    queue.push({ method, args });
    if (phase === 'open') done = commitFirst(status);
  };

  // After the head left: a change made while streaming is saved before the response ends, without a cookie.
  const endLate = (args: unknown[]): void => {
    phase = 'holding';
    done = commit(res.statusCode, false).then(
      () => {
        phase = 'through';
        call('end', args);
      },
      (error: unknown) => {
        phase = 'through';
        options.onLateFailure(error);
        if (error instanceof SessionError && error.status >= 500) res.destroy();
        else call('end', args);
      },
    );
  };

  const wrappers: Record<Method, (...args: unknown[]) => unknown> = {
    writeHead(...args) {
      if (passes()) return call('writeHead', args);
      hold('writeHead', args, typeof args[0] === 'number' ? args[0] : res.statusCode);
      return res;
    },
    flushHeaders() {
      if (passes()) return call('flushHeaders', []);
      hold('flushHeaders', [], res.statusCode);
      return undefined;
    },
    write(...args) {
      if (passes()) return call('write', args);
      hold('write', args, res.statusCode);
      return false;
    },
    end(...args) {
      if (phase === 'through' && headSent() && !res.writableEnded && source.state !== 'unmodified') {
        endLate(args);
        return res;
      }
      if (passes()) return call('end', args);
      hold('end', args, res.statusCode);
      return res;
    },
  };
  Object.assign(res, wrappers);

  return {
    headSent,
    settled: () => done,
    release() {
      for (const method of Object.keys(wrappers) as Method[]) {
        if (target[method] === wrappers[method]) target[method] = original[method];
      }
      if (sent && Object.hasOwn(res, 'headersSent')) delete (res as { headersSent?: boolean }).headersSent;
      if (phase === 'open') phase = 'through';
    },
  };
}

function handleSource<Data extends SessionData>(handle: SessionHandle<Data>): HoldSource {
  return {
    get idle() {
      return handle.idle;
    },
    get state() {
      return handle.session.state;
    },
    commit: (status, cookies) => handle.commit({ status, cookies }),
  };
}

/**
 * The part of a Fastify reply {@link commitOnSend} uses (Fastify itself, or Nest on its Fastify platform):
 * the status and the headers Fastify writes into the head after its `onSend` hooks.
 */
export interface ReplyHeadTarget {
  readonly statusCode: number;
  getHeader(name: string): unknown;
  header(name: string, value: string | string[]): unknown;
  removeHeader(name: string): unknown;
}

/**
 * The commit of a framework that writes the head itself after an `onSend`-style hook (Fastify): commits
 * the adapter's {@link HoldSource} (its view of the request's session handle) with the reply's status
 * and writes the result into the reply's headers, where Fastify puts them into the head. Returns `undefined`, synchronously, when there is nothing to commit (`idle`),
 * so a hook can hand the payload on at once; otherwise a promise that settles once the store write is done
 * and the headers are set, and rejects with the commit's error (a `SessionStoreError` has `status` 503).
 * Safe to run again for a later reply of the same request (an error page): our cookies replace the earlier
 * ones, `Vary` gains `Cookie` once.
 * @example
 * fastify.addHook('onSend', (request, reply, payload, done) => {
 *   const pending = commitOnSend(source, reply);
 *   if (pending === undefined) return done(null, payload);
 *   pending.then(() => done(null, payload), done);
 * });
 */
export function commitOnSend(source: HoldSource, reply: ReplyHeadTarget): Promise<void> | undefined {
  if (source.idle) return undefined;
  return source.commit(reply.statusCode, true).then((result) => {
    if (result === null) return;
    applyToNodeResponse(
      {
        getHeader: (name) => reply.getHeader(name),
        setHeader: (name, value) => {
          // Fastify's `header('set-cookie', …)` appends; the applier hands the whole merged list.
          if (name.toLowerCase() === 'set-cookie') reply.removeHeader(name);
          reply.header(name, value);
        },
      },
      result,
    );
  });
}
