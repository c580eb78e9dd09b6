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
  /**
   * The commit, synchronously, when it has no work (see `SessionHandle.commitNow`); `undefined` when it
   * has: then the head is held for {@link HoldSource.commit}. Optional.
   */
  commitNow?(status: number): CommitResult | undefined;
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

// The `headersSent` getter of the last response class seen: one lookup per class, not per response.
let lastClass: object | null = null;
let lastGetter: (() => unknown) | undefined;

function headersSentGetter(target: object): (() => unknown) | undefined {
  const own = Object.getPrototypeOf(target) as object | null;
  if (own !== null && own === lastClass) return lastGetter;
  let getter: (() => unknown) | undefined;
  for (let proto = own; proto !== null; proto = Object.getPrototypeOf(proto) as object | null) {
    getter = Object.getOwnPropertyDescriptor(proto, 'headersSent')?.get;
    if (getter) break;
  }
  lastClass = own;
  lastGetter = getter;
  return getter;
}

// The holder of a response sits on the response under this symbol. The wrappers and the `headersSent`
// getter installed on a response are the same four module-level functions for every response, never
// closures made per request: a fresh function per response gives every response its own hidden class
// (the accessor above all), which costs the garbage collector and every inline cache in the framework
// and in Node's HTTP code more than the whole untouched request.
const HOLDER = Symbol('cloakroom.holder');
type Held = NodeResponse & { [HOLDER]?: Holder };
type Wrapper = (this: Held, ...args: unknown[]) => unknown;

const WRAPPERS: Record<Method, Wrapper> = {
  writeHead(...args) {
    return holderOf(this).writeHead(args);
  },
  flushHeaders() {
    return holderOf(this).flushHeaders();
  },
  write(...args) {
    return holderOf(this).write(args);
  },
  end(...args) {
    return holderOf(this).end(args);
  },
};
const METHODS = Object.keys(WRAPPERS) as Method[];

const HEADERS_SENT: PropertyDescriptor = {
  configurable: true,
  enumerable: false,
  get(this: Held): boolean {
    return holderOf(this).headersSentView();
  },
};

function holderOf(res: Held): Holder {
  const holder = res[HOLDER];
  if (holder === undefined) throw new TypeError('A held response method was called on another object.');
  return holder;
}

/** One held response: the state machine behind the shared wrappers (see the module comment). */
class Holder implements HeldResponse {
  readonly #res: Held;
  readonly #source: HoldSource;
  readonly #options: HoldOptions;
  readonly #original: Record<Method, (...args: unknown[]) => unknown>;
  readonly #sent: (() => unknown) | undefined;
  /** A holder installed on the same response before this one (its wrappers are this one's originals). */
  readonly #previous: Holder | undefined;
  #phase: 'open' | 'holding' | 'through' | 'failed' = 'open';
  #queue: Call[] = [];
  #done: Promise<void> | undefined;

  constructor(res: Held, source: HoldSource, options: HoldOptions) {
    this.#res = res;
    this.#source = source;
    this.#options = options;
    const target = res as unknown as Record<Method, (...args: unknown[]) => unknown>;
    this.#original = {
      writeHead: target.writeHead,
      write: target.write,
      end: target.end,
      flushHeaders: target.flushHeaders,
    };
    this.#sent = headersSentGetter(res);
    this.#previous = res[HOLDER];
  }

  /** Installs the shared wrappers (and the `headersSent` view) on the response. */
  install(): void {
    const res = this.#res;
    res[HOLDER] = this;
    const target = res as unknown as Record<Method, Wrapper>;
    for (const method of METHODS) target[method] = WRAPPERS[method];
    if (this.#options.guardHeadersSent !== false && this.#sent) {
      Object.defineProperty(res, 'headersSent', HEADERS_SENT);
    }
  }

  // ---- HeldResponse -------------------------------------------------------------------------

  /** The real head, not the held one: after it, no Set-Cookie can be added. */
  headSent(): boolean {
    const sent = this.#sent;
    return sent ? sent.call(this.#res) === true : this.#res.headersSent;
  }

  settled(): Promise<void> {
    return this.#done ?? Promise.resolve();
  }

  release(): void {
    const res = this.#res;
    if (this.#phase === 'open') this.#phase = 'through';
    if (res[HOLDER] !== this) return;
    // A holder installed before this one takes the response back; its wrappers stay.
    if (this.#previous !== undefined) {
      res[HOLDER] = this.#previous;
      return;
    }
    delete res[HOLDER];
    const target = res as unknown as Record<Method, unknown>;
    for (const method of METHODS) {
      if (target[method] === WRAPPERS[method]) target[method] = this.#original[method];
    }
    if (this.#sent && Object.hasOwn(res, 'headersSent')) {
      delete (res as { headersSent?: boolean }).headersSent;
    }
  }

  /** What `res.headersSent` answers while held: true while the head is held, so no second response. */
  headersSentView(): boolean {
    return this.#phase === 'holding' || this.#sent!.call(this.#res) === true;
  }

  // ---- the wrapped methods --------------------------------------------------------------------

  writeHead(args: unknown[]): unknown {
    if (this.#passes()) return this.#call('writeHead', args);
    const status = typeof args[0] === 'number' ? args[0] : this.#res.statusCode;
    const now = this.#commitNow(status);
    if (now !== undefined) {
      this.#writeHeld(args, () => this.#apply(now));
      return this.#res;
    }
    this.#hold('writeHead', args, status);
    return this.#res;
  }

  flushHeaders(): unknown {
    if (this.#passes() || this.#appliedNow()) return this.#call('flushHeaders', []);
    this.#hold('flushHeaders', [], this.#res.statusCode);
    return undefined;
  }

  write(args: unknown[]): unknown {
    if (this.#passes() || this.#appliedNow()) return this.#call('write', args);
    this.#hold('write', args, this.#res.statusCode);
    return false;
  }

  end(args: unknown[]): unknown {
    const res = this.#res;
    if (
      this.#phase === 'through' &&
      this.headSent() &&
      !res.writableEnded &&
      this.#source.state !== 'unmodified'
    ) {
      this.#endLate(args);
      return res;
    }
    if (this.#passes() || this.#appliedNow()) return this.#call('end', args);
    this.#hold('end', args, res.statusCode);
    return res;
  }

  // ---- internals ------------------------------------------------------------------------------

  #call(method: Method, args: unknown[]): unknown {
    const original = this.#original[method];
    // Held twice: the first holder's wrappers are this one's originals; they would dispatch to this one.
    const previous = this.#previous;
    if (previous !== undefined && original === WRAPPERS[method]) {
      return method === 'flushHeaders' ? previous.flushHeaders() : previous[method](args);
    }
    return Reflect.apply(original, this.#res, args);
  }

  /**
   * At the first call that writes the head: a commit with nothing to do answers synchronously, and the
   * response goes on at once (no held head, no async hop). Its headers are applied here.
   */
  #commitNow(status: number): CommitResult | undefined {
    if (this.#phase !== 'open' || this.#source.commitNow === undefined) return undefined;
    const result = this.#source.commitNow(status);
    if (result !== undefined) this.#phase = 'through';
    return result;
  }

  #apply(result: CommitResult): void {
    if (!this.headSent()) applyToNodeResponse(this.#res, result);
  }

  /** {@link Holder.#commitNow} with the result applied at once: whether the call can go straight on. */
  #appliedNow(): boolean {
    const result = this.#commitNow(this.#res.statusCode);
    if (result === undefined) return false;
    this.#apply(result);
    return true;
  }

  #passes(): boolean {
    if (this.#phase === 'open' && this.#source.idle) this.#phase = 'through';
    return this.#phase === 'through' || this.#phase === 'failed';
  }

  #hold(method: Method, args: unknown[], status: number): void {
    this.#queue.push({ method, args });
    if (this.#phase === 'open') this.#done = this.#commitFirst(status);
  }

  #fail(error: unknown): void {
    this.#phase = 'failed';
    this.#queue = [];
    if (!this.headSent()) {
      for (const name of BODY_HEADERS) this.#res.removeHeader(name);
      this.#options.onFailure(error);
    } else {
      this.#options.onLateFailure(error);
      this.#res.destroy();
    }
  }

  // A held `writeHead(status, [message,] headers)`: its headers are set as Node would set them, then ours
  // on top (a handler's Cache-Control or Set-Cookie must not drop the session's), then the head goes out.
  #writeHeld(args: unknown[], apply: () => void): void {
    const res = this.#res;
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
    this.#call('writeHead', typeof second === 'string' ? [status, second] : [status]);
  }

  #replay(result: CommitResult | null): void {
    const res = this.#res;
    this.#phase = 'through';
    let applied = false;
    const apply = (): void => {
      if (!applied && result !== null && !this.headSent()) applyToNodeResponse(res, result);
      applied = true;
    };
    const calls = this.#queue;
    this.#queue = [];
    let writable = true;
    let wroteHeld = false;
    for (const { method, args } of calls) {
      if (method === 'writeHead') {
        // A second head (flushHeaders' implicit one, say) once the first is out would throw.
        if (!this.headSent()) this.#writeHeld(args, apply);
        continue;
      }
      apply();
      const value = this.#call(method, args);
      if (method === 'write') {
        wroteHeld = true;
        writable = value === true;
      }
    }
    // Held writes answered false (a pipe waits for 'drain'); release it unless Node still buffers.
    if (wroteHeld && writable) res.emit('drain');
  }

  async #commitFirst(status: number): Promise<void> {
    this.#phase = 'holding';
    const source = this.#source;
    let result: CommitResult | null;
    try {
      result = await source.commit(status, true);
      // Changes made while the commit ran (the handler kept going) still fit in this head. Bounded: a
      // handler that keeps writing is saved again when the response ends.
      for (let round = 0; round < 3 && status < 500 && source.state === 'modified'; round++) {
        result = await source.commit(status, true);
      }
    } catch (error) {
      this.#fail(error);
      return;
    }
    try {
      this.#replay(result);
    } catch (error) {
      // The handler's own call failed on replay (an invalid header, say), as it would have thrown in the
      // handler without us: answered like a failed commit while the head can still be written.
      this.#fail(error);
    }
  }

  // After the head left: a change made while streaming is saved before the response ends, without a cookie.
  #endLate(args: unknown[]): void {
    this.#phase = 'holding';
    this.#done = this.#source.commit(this.#res.statusCode, false).then(
      () => {
        this.#phase = 'through';
        this.#call('end', args);
      },
      (error: unknown) => {
        this.#phase = 'through';
        this.#options.onLateFailure(error);
        if (error instanceof SessionError && error.status >= 500) this.#res.destroy();
        else this.#call('end', args);
      },
    );
  }
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
  const holder = new Holder(res as Held, source, options);
  holder.install();
  return holder;
}

/** A session handle as a {@link HoldSource}. */
class HandleSource<Data extends SessionData> implements HoldSource {
  readonly #handle: SessionHandle<Data>;

  constructor(handle: SessionHandle<Data>) {
    this.#handle = handle;
  }

  get idle(): boolean {
    return this.#handle.idle;
  }

  get state(): SessionState {
    return this.#handle.session.state;
  }

  commit(status: number, cookies: boolean): Promise<CommitResult | null> {
    return this.#handle.commit({ status, cookies });
  }

  commitNow(status: number): CommitResult | undefined {
    return this.#handle.commitNow?.({ status });
  }
}

function handleSource<Data extends SessionData>(handle: SessionHandle<Data>): HoldSource {
  return new HandleSource(handle);
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
