import {
  cloneRecord,
  fromRecord,
  jsonCodec,
  newRecord,
  type SessionCodec,
  type SessionRecord,
  toRecord,
} from './codec.ts';
import {
  type CookieOptions,
  cookieValues,
  type ResolvedCookieOptions,
  resolveCookieOptions,
  serializeCookie,
} from './cookie.ts';
import type { CryptoProvider, SigningKey } from './crypto.ts';
import { configError, SessionError, SessionStoreError } from './errors.ts';
import { logSessionEvent, type SessionEvent } from './events.ts';
import {
  type AnySessionStore,
  type SessionWrite,
  type StoreCapabilities,
  type StoredSession,
  storeCapabilities,
} from './store.ts';

/** Session data: a record of JSON-serializable values, keyed by name. */
export type SessionData = Record<string, unknown>;

/** Options of {@link createSessionManager}. Times are in seconds. */
export interface SessionManagerOptions {
  /** Where sessions live. Use a shared store (Redis, Memcached, SQL) when more than one process serves requests. */
  store: AnySessionStore;
  /**
   * Signing secrets, each at least 32 bytes. The first signs; all verify, so a secret can be rotated out:
   * put the new one first and keep the old one until the cookies it signed have expired.
   */
  secret: string | readonly string[];
  /** Cookie attributes. */
  cookie?: CookieOptions;
  /** Idle (sliding) timeout in seconds. @default 86_400 (one day) */
  idleTimeout?: number;
  /** Absolute timeout in seconds, never extended. @default 604_800 (seven days) */
  absoluteTimeout?: number;
  /**
   * A session read without changes is touched (its expiry moved, its cookie refreshed) at most once per
   * this many seconds. @default idleTimeout / 10
   */
  touchInterval?: number;
  /** Serializer of the session envelope. @default jsonCodec */
  codec?: SessionCodec;
  /**
   * Hears what happens beside the answers: store failures (with latency), compare-and-set conflicts
   * retried, writes dropped after a destroy or regenerate, cookie tossing refused, corrupt records. No
   * event carries a session id or payload. @default {@link logSessionEvent} (one line per problem)
   */
  onEvent?: (event: SessionEvent) => void;
  /**
   * Hears the problems that do not fail a request, as errors: dropped writes, cookie tossing, corrupt
   * records, failed background deletes, failures after a response's head was sent (a store error that
   * fails a request is thrown to it; `onEvent` hears it too). Given alone, it replaces the default log.
   * @default none beside `onEvent`
   */
  onError?: (error: SessionError) => void;
  /** Clock, epoch milliseconds. @default Date.now */
  now?: () => number;
  /** Crypto provider. @default node:crypto on Node (the `node` export condition), else Web Crypto */
  crypto?: CryptoProvider;
  /** Largest encoded session in bytes; a bigger write fails with SESSION_PAYLOAD_TOO_LARGE. @default 131_072 */
  maxPayloadBytes?: number;
  /**
   * At most this many sessions per user; binding one more destroys the oldest, so one user can never grow
   * the per-user index (and the cost of listing or revoking) without bound. `Infinity` turns the cap off.
   * @default 100 on a store with the per-user index; unlimited (nothing to cap) on one without
   */
  maxSessionsPerUser?: number;
  /** Compare-and-set retries before a write fails with SESSION_CONFLICT (with jittered backoff). @default 16 */
  maxRetries?: number;
  /**
   * How many verified cookie values (and the store keys they hash to) to remember, least recently used
   * first out, so a returning session costs no HMAC and no SHA-256. Only values whose signature verified
   * are remembered, and a hit needs the exact value: a forged cookie never hits. `0` turns it off.
   * @default 1024
   */
  verifiedCookieCache?: number;
}

/** What an adapter knows about the request. */
export interface SessionRequest {
  /** The request's `Cookie` header, if any. */
  cookie: string | null | undefined;
  /** Whether the request arrived over TLS (as the framework sees it, honouring its proxy settings). */
  secure?: boolean;
  /**
   * Whether the response head has gone out, so no `Set-Cookie` can be added any more. `session.save()`
   * consults it: after the head, a save that would need a cookie throws SESSION_COOKIE_READONLY instead
   * of starting a session whose cookie the client never gets.
   */
  headersSent?: () => boolean;
}

/** What an adapter writes into the response head after {@link SessionHandle.commit}. */
export interface CommitResult {
  /** The `Set-Cookie` header value for the session cookie, or null when the cookie does not change. */
  readonly setCookie: string | null;
  /**
   * Every `Set-Cookie` value to write, in order: the session cookie's (as `setCookie`) and the anonymous
   * visitor's CSRF cookie (set, or cleared once a stored session exists). Adapters write these; each
   * replaces a value of the same cookie name written earlier in the response.
   */
  readonly cookies: readonly string[];
  /** Extra headers (`Cache-Control`, `Vary`), to append. */
  readonly headers: ReadonlyArray<readonly [name: string, value: string]>;
}

/** Options of {@link SessionHandle.commit}. */
export interface CommitOptions {
  /** The response status; nothing is written for a 5xx (the handler failed half-way). */
  status?: number;
  /**
   * Whether the response can still carry a `Set-Cookie`. When false, writes that need no cookie change
   * are saved and those that need one throw SESSION_COOKIE_READONLY. @default true
   */
  cookies?: boolean;
}

/** One of a user's sessions, as {@link Session.listSessions} reports it. */
export interface SessionInfo {
  /** A log-safe id (derived from the store key, never the cookie value). */
  readonly id: string;
  /** Whether this is the session of the current request. */
  readonly current: boolean;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

/** The state core decided for the session; adapters never guess it. */
export type SessionState = 'unmodified' | 'modified' | 'destroyed';

/**
 * The session of one request. Data and methods stay apart: values are read with `get` and written with
 * `set`, so a stored key such as `save` or `__proto__` can never shadow a method or a prototype.
 * Reads are lazy and share one store load; writes are recorded and saved when the response is committed.
 */
export interface Session<Data extends SessionData = SessionData> {
  /** Reads a value; loads the session on first use. */
  get<K extends keyof Data & string>(key: K): Promise<Data[K] | undefined>;
  /** Whether a value is set. */
  has(key: keyof Data & string): Promise<boolean>;
  /** A copy of all values. */
  all(): Promise<Partial<Data>>;
  /** Sets a value. Saved at commit; only the keys this request changed are re-applied on a conflict. */
  set<K extends keyof Data & string>(key: K, value: Data[K]): void;
  /** Removes a value. */
  delete(key: keyof Data & string): void;
  /** Removes every value (the user binding and flash messages stay). */
  clear(): void;
  /**
   * Atomic read-modify-write: `fn` gets the current value and returns the new one. For a stored session
   * the write happens before the promise resolves, with the store's compare-and-set: on a conflict `fn`
   * runs again on the fresh value, so parallel increments all count, and the value resolved is exactly the
   * one the store accepted (N parallel increments answer N distinct values). Unlike `set()` and
   * `delete()`, which are saved with the response, an update is kept even if the response later fails
   * with a 5xx. For a new session (nothing stored yet) the value is created with the session at commit.
   * `fn` must be pure: it may run more than once.
   * @throws SessionStoreError when the store fails; whatever `fn` throws.
   */
  update<K extends keyof Data & string>(
    key: K,
    fn: (current: Data[K] | undefined) => Data[K],
  ): Promise<Data[K]>;
  /** Queues a flash value, readable once. */
  flash(key: string, value: unknown): void;
  /** Reads and removes the flash values queued under `key`. */
  consumeFlash(key: string): Promise<unknown[]>;
  /** The user the session is bound to, or null. */
  getUser(): Promise<string | null>;
  /** Binds the session to a user (call {@link Session.regenerate} too when privileges change). */
  setUser(userId: string | null): void;
  /** Issues a new id at commit, keeps the data, deletes the old record. Call it on every sign-in. */
  regenerate(): void;
  /** Deletes the session and expires its cookie at commit. Later writes in this request start a new session. */
  destroy(): void;
  /** Moves the expiry now even if the touch interval has not passed. */
  touch(): void;
  /** Whether a stored session backs this request. */
  exists(): Promise<boolean>;
  /** When the session was created, or null for a new one. */
  createdAt(): Promise<Date | null>;
  /** A log-safe id (derived, never the cookie value), or null when there is no stored session. */
  logId(): Promise<string | null>;
  /** The user's live sessions. Needs a store with the per-user index. @throws SessionError SESSION_USAGE */
  listSessions(): Promise<SessionInfo[]>;
  /** Destroys the user's other sessions; resolves how many. @throws SessionError SESSION_USAGE */
  revokeOtherSessions(): Promise<number>;
  /** The per-session CSRF token for forms; created (and saved) on first use. */
  csrfToken(): Promise<string>;
  /** Checks a submitted CSRF token in constant time. */
  verifyCsrfToken(token: unknown): Promise<boolean>;
  /** Saves now instead of waiting for the response (for example before a long stream). */
  save(): Promise<void>;
  /** What commit will do. */
  readonly state: SessionState;
}

/** What an adapter holds per request: the session to expose and the commit to run before the head. */
export interface SessionHandle<Data extends SessionData = SessionData> {
  readonly session: Session<Data>;
  /**
   * Whether there is nothing to commit: the session was never touched (no read, write, CSRF token, touch
   * or commit). Synchronous, so an adapter can let such a request through with no held head, no awaited
   * commit and no header work.
   */
  readonly idle: boolean;
  /**
   * Saves what changed and returns the headers to write. Idempotent: a second call writes only what
   * changed since, and returns the latest cookie. Nothing is written for a 5xx status.
   * @throws SessionStoreError when the store fails (adapters answer 503)
   */
  commit(options?: CommitOptions): Promise<CommitResult>;
}

interface Identity {
  readonly id: string;
  readonly key: string;
  /** Verified under an older secret: re-issue the cookie under the current one. */
  readonly reissue: boolean;
}

interface Created {
  readonly identity: Identity;
  readonly version: string;
  readonly expiresAt: number;
}

interface Loaded {
  readonly identity: Identity;
  readonly record: SessionRecord;
  readonly version: string;
  readonly expiresAt: number;
}

type Op = (record: SessionRecord) => void;

/** What one commit takes from the request's pending changes. */
interface Taken {
  readonly ops: readonly Op[];
  readonly regenerate: boolean;
  readonly forceTouch: boolean;
  readonly doomed: ReadonlyArray<Promise<string | null>>;
  readonly expired: readonly string[];
  readonly destroyed: boolean;
}

/** A copy of `record` with `ops` applied. */
function replay(record: SessionRecord, ops: readonly Op[]): SessionRecord {
  const copy = cloneRecord(record);
  for (const op of ops) op(copy);
  return copy;
}

interface SerialEntry {
  tail: Promise<unknown>;
  pending: number;
  latest: Versioned | undefined;
  /** Updates waiting for their turn; the first to run writes them all at once. */
  queue: UpdateJob[];
}

interface WriteOutcome {
  readonly record: SessionRecord;
  readonly version: string;
  readonly expiresAt: number;
}

interface Versioned {
  readonly record: SessionRecord;
  readonly version: string;
  readonly expiresAt: number;
}

interface UpdateJob {
  readonly ops: readonly Op[];
  readonly base: Versioned;
  /** Whether this request moves the expiry (its touch is due and its response carries the cookie). */
  readonly extend: boolean;
  result?: { outcome: WriteOutcome | null } | { error: unknown };
}

const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/;
const ID_BYTES = 32;
/** Sessions one user may hold on a store with a per-user index (a finite bound on listing and revoking). */
const DEFAULT_MAX_SESSIONS_PER_USER = 100;
const SIGNATURE_PURPOSE = 'cloakroom/cookie-signature/v1';
const CSRF_COOKIE_PURPOSE = 'cloakroom/csrf-cookie/v1';
// Values of our cookie name looked at per request: enough for a tossed duplicate, bounded against floods.
const MAX_COOKIE_CANDIDATES = 4;
const NO_HEADERS: CommitResult = { setCookie: null, cookies: [], headers: [] };
const CACHE_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['Cache-Control', 'private, no-store'],
  ['Vary', 'Cookie'],
];
const VARY_ONLY: ReadonlyArray<readonly [string, string]> = [['Vary', 'Cookie']];
const encoder = new TextEncoder();

/** What {@link readSignedCookie} found. */
type SignedCookie =
  /** No value of that name in the header. */
  | { readonly present: false }
  /** Values were there: the one that verified (`reissue`: under an older key), or why none is trusted. */
  | {
      readonly present: true;
      readonly found: { readonly value: string; readonly reissue: boolean } | null;
      /** Several values verified to different ones, or more values than a browser sends: planted. */
      readonly tossing: 'different values' | 'too many' | null;
    };

/**
 * Reads one of our signed cookies (`<43 chars>.<43 chars>`) from a `Cookie` header: the value whose
 * signature verifies under one of `keys`, as long as no other one does (a sibling subdomain can plant
 * a cookie of our name: when two verify to different values, trust neither).
 */
async function readSignedCookie(
  header: string,
  name: string,
  crypto: CryptoProvider,
  keys: () => Promise<readonly SigningKey[]>,
  message: (value: string) => string,
): Promise<SignedCookie> {
  const values = header === '' ? [] : cookieValues(header, name, MAX_COOKIE_CANDIDATES + 1);
  if (values.length === 0) return { present: false };
  // More values of our name than any browser sends for one site: padding meant to push a cookie out of view.
  if (values.length > MAX_COOKIE_CANDIDATES) return { present: true, found: null, tossing: 'too many' };
  const verifying = await keys();
  let found: { value: string; reissue: boolean } | null = null;
  for (const candidate of values) {
    // Shape first: anything malformed, truncated or padded never reaches crypto or the store.
    if (!COOKIE_VALUE.test(candidate)) continue;
    const value = candidate.slice(0, 43);
    if (found !== null && found.value === value) continue;
    const signature = candidate.slice(44);
    for (let index = 0; index < verifying.length; index++) {
      if (await crypto.verify(verifying[index]!, message(value), signature)) {
        if (found !== null) return { present: true, found: null, tossing: 'different values' };
        found = { value, reissue: index > 0 };
        break;
      }
    }
  }
  return { present: true, found, tossing: null };
}

/**
 * A copy of a session value for a caller: arrays and plain objects (what JSON data is made of) are copied
 * deeply, anything else (primitives, and objects this request set itself, such as a Date) is returned as is.
 */
function copyValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyValue);
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  // Defined, never assigned: a key named `__proto__` stays data and sets no prototype.
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, copyValue(item)]));
}

/** Errors caused by one request's own change, not by the store: too large, a throwing function or codec. */
function failsAlone(error: unknown): boolean {
  return !(error instanceof SessionError) || error.code === 'SESSION_PAYLOAD_TOO_LARGE';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function isEmpty(record: SessionRecord): boolean {
  return record.data.size === 0 && record.flash.size === 0 && record.userId === null && record.csrf === null;
}

function seconds(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isFinite(result) || result <= 0)
    throw configError(`${name} must be a positive number of seconds.`);
  return result;
}

/** The events a SessionError stands for, when core reports one outside a request's answer. */
function eventOf(error: SessionError): SessionEvent | null {
  switch (error.code) {
    case 'SESSION_CORRUPT_RECORD':
      return { type: 'corrupt-record', error };
    case 'SESSION_COOKIE_TOSSING':
      return {
        type: 'cookie-tossing',
        reason: /too many/i.test(error.message) ? 'too many' : 'different values',
        error,
      };
    case 'SESSION_WRITE_DROPPED':
      return {
        type: 'write-dropped',
        write: /regenerate/i.test(error.message)
          ? 'regenerate'
          : /update/i.test(error.message)
            ? 'update'
            : 'commit',
        error,
      };
    default:
      return null;
  }
}

/**
 * Builds session handles for requests. Create one per application and share it.
 */
export class SessionManager<Data extends SessionData = SessionData> {
  /** The cookie name in use (with the `__Host-` prefix by default). */
  readonly cookieName: string;
  /**
   * The anonymous visitor's CSRF cookie: the session cookie's name and attributes with `-csrf`, so a
   * `__Host-` prefix carries over. It holds a signed token and no store record.
   */
  readonly csrfCookieName: string;
  /** The store's optional capabilities, detected once. */
  readonly capabilities: StoreCapabilities;
  /** @internal */ readonly store: AnySessionStore;
  /** @internal */ readonly cookie: ResolvedCookieOptions;
  /** @internal The anonymous CSRF cookie: the session cookie's attributes under its own name. */
  readonly csrfCookie: ResolvedCookieOptions;
  /** @internal */ readonly idleMs: number;
  /** @internal */ readonly absoluteMs: number;
  /** @internal */ readonly touchMs: number;
  /** @internal */ readonly codec: SessionCodec;
  /**
   * Reports a problem outside a request's answer (adapters route their late failures here too): to
   * `onError`, and as an event to `onEvent` (or the default log when neither hook is given).
   */
  readonly report: (error: SessionError) => void;
  /** @internal */ readonly emit: (event: SessionEvent) => void;
  /** @internal */ readonly now: () => number;
  /** @internal */ readonly crypto: CryptoProvider;
  /** @internal */ readonly maxPayloadBytes: number;
  /** @internal */ readonly maxSessionsPerUser: number;
  /** @internal */ readonly maxRetries: number;
  readonly #secrets: Uint8Array[];
  #keys: Promise<SigningKey[]> | undefined;
  readonly #known = new Map<string, Identity>();
  readonly #knownMax: number;
  #knownHits = 0;
  #knownMisses = 0;
  #csrfKeys: Promise<SigningKey[]> | undefined;
  readonly #serial = new Map<string, SerialEntry>();
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(options: SessionManagerOptions, defaultCrypto: CryptoProvider) {
    if (options === null || typeof options !== 'object') throw configError('options are required.');
    if (!options.store || typeof options.store.get !== 'function') {
      throw configError(
        'options.store is required: memoryStore() for one process, a shared store for several.',
      );
    }
    const secrets = typeof options.secret === 'string' ? [options.secret] : Array.from(options.secret ?? []);
    if (secrets.length === 0) throw configError('options.secret is required (at least 32 bytes, random).');
    this.#secrets = secrets.map((secret, index) => {
      const bytes = encoder.encode(typeof secret === 'string' ? secret : '');
      if (bytes.length < 32) {
        throw configError(`options.secret[${index}] is ${bytes.length} bytes; use at least 32 random bytes.`);
      }
      return bytes;
    });
    const idle = seconds('idleTimeout', options.idleTimeout, 86_400);
    const absolute = seconds('absoluteTimeout', options.absoluteTimeout, 604_800);
    if (idle > absolute) throw configError('idleTimeout must not exceed absoluteTimeout.');
    const touch = seconds('touchInterval', options.touchInterval, idle / 10);
    if (touch > idle) throw configError('touchInterval must not exceed idleTimeout.');
    this.cookie = resolveCookieOptions(options.cookie ?? {}, absolute);
    this.cookieName = this.cookie.name;
    this.csrfCookieName = `${this.cookie.name}-csrf`;
    this.csrfCookie = { ...this.cookie, name: this.csrfCookieName };
    this.store = options.store;
    this.capabilities = storeCapabilities(options.store);
    this.idleMs = idle * 1000;
    this.absoluteMs = absolute * 1000;
    this.touchMs = touch * 1000;
    this.codec = options.codec ?? jsonCodec;
    const onEvent = options.onEvent ?? (options.onError ? undefined : logSessionEvent);
    const onError = options.onError;
    this.emit = (event) => {
      onEvent?.(event);
      // A store error fails the request (thrown to it): onError hears it only when reported late.
      if (onError && 'error' in event && event.type !== 'store-error') onError(event.error);
    };
    this.report = (error) => {
      const event = eventOf(error);
      if (event !== null) this.emit(event);
      else {
        onError?.(error);
        if (onEvent === logSessionEvent) console.error(`[cloakroom] ${error.code}: ${error.message}`);
      }
    };
    this.now = options.now ?? Date.now;
    this.crypto = options.crypto ?? defaultCrypto;
    this.maxPayloadBytes = options.maxPayloadBytes ?? 131_072;
    this.maxSessionsPerUser =
      options.maxSessionsPerUser ??
      (this.capabilities.userIndex ? DEFAULT_MAX_SESSIONS_PER_USER : Number.POSITIVE_INFINITY);
    this.maxRetries = options.maxRetries ?? 16;
    this.#knownMax = options.verifiedCookieCache ?? 1024;
    if (!Number.isInteger(this.#knownMax) || this.#knownMax < 0) {
      throw configError('verifiedCookieCache must be a whole number of entries (0 turns it off).');
    }
    const cap = this.maxSessionsPerUser;
    if (cap !== Number.POSITIVE_INFINITY && (!Number.isInteger(cap) || cap < 1)) {
      throw configError('maxSessionsPerUser must be a whole number of at least 1, or Infinity.');
    }
    if (cap !== Number.POSITIVE_INFINITY && !this.capabilities.userIndex) {
      throw configError('maxSessionsPerUser needs a store with the per-user index (listByUser).');
    }
  }

  /** Opens the session of one request. Costs nothing until the session is used. */
  open(request: SessionRequest): SessionHandle<Data> {
    return new RequestSession<Data>(this, request.cookie ?? '', request.secure === true, request.headersSent);
  }

  /** Lists a user's live sessions (`current` is always false here). */
  async listUserSessions(userId: string): Promise<SessionInfo[]> {
    return this.listFor(userId, null);
  }

  /** Destroys every session of a user; resolves how many. Needs the per-user index. */
  async destroyUserSessions(userId: string): Promise<number> {
    return this.revokeFor(userId, null);
  }

  /** Waits for in-flight commits, then closes the store (a client the user passed to it stays open). */
  async close(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled(Array.from(this.#inFlight));
    if (this.store.close) await this.store.close();
  }

  /** @internal */
  track<T>(promise: Promise<T>): Promise<T> {
    this.#inFlight.add(promise);
    const done = (): void => {
      this.#inFlight.delete(promise);
    };
    promise.then(done, done);
    return promise;
  }

  #warnedSecure = false;

  /**
   * @internal A `Secure` cookie sent in answer to a plain-http request is dropped by the browser without
   * a word (the user seems never to sign in): say so once, naming the options that fix it.
   */
  warnSecureOverHttp(): void {
    if (this.#warnedSecure) return;
    this.#warnedSecure = true;
    console.warn(
      `[cloakroom] The session cookie ${this.cookieName} is Secure, but this request came over plain http: ` +
        'browsers drop it, so the session never sticks. Serve over https; behind a TLS-terminating proxy, ' +
        "tell the adapter to trust it (trustProxy / Express's 'trust proxy'); for local http development " +
        "set cookie: { secure: 'auto' } (or secure: false, which also drops the __Host- prefix).",
    );
  }

  /** How the verified-cookie cache did: hits and misses since the manager was built. */
  get verifiedCookieCacheStats(): { readonly hits: number; readonly misses: number; readonly size: number } {
    return { hits: this.#knownHits, misses: this.#knownMisses, size: this.#known.size };
  }

  /** @internal A cookie value verified earlier, moved to the recent end; undefined for none. */
  knownIdentity(value: string): Identity | undefined {
    if (this.#knownMax === 0) return undefined;
    const identity = this.#known.get(value);
    if (identity === undefined) {
      this.#knownMisses++;
      return undefined;
    }
    this.#knownHits++;
    this.#known.delete(value);
    this.#known.set(value, identity);
    return identity;
  }

  /** @internal Remembers a verified cookie value (only ever called after its signature verified). */
  rememberIdentity(value: string, identity: Identity): void {
    if (this.#knownMax === 0) return;
    this.#known.set(value, identity);
    if (this.#known.size > this.#knownMax) this.#known.delete(this.#known.keys().next().value!);
  }

  /** @internal */
  signingKeys(): Promise<SigningKey[]> {
    this.#keys ??= Promise.all(
      this.#secrets.map((secret) => this.crypto.deriveKey(secret, SIGNATURE_PURPOSE)),
    );
    return this.#keys;
  }

  /** @internal The versioned message a cookie signature covers, bound to the cookie name. */
  message(id: string): string {
    return `v1|${this.cookieName}|${id}`;
  }

  /** @internal Keys of the anonymous CSRF cookie: a purpose of their own, never the session cookie's. */
  csrfKeys(): Promise<SigningKey[]> {
    this.#csrfKeys ??= Promise.all(
      this.#secrets.map((secret) => this.crypto.deriveKey(secret, CSRF_COOKIE_PURPOSE)),
    );
    return this.#csrfKeys;
  }

  /** @internal */
  csrfMessage(token: string): string {
    return `v1|${this.csrfCookieName}|${token}`;
  }

  /** @internal */
  async keyOf(id: string): Promise<string> {
    return this.crypto.sha256(id);
  }

  /** @internal Runs commits for one key one after another inside this process. */
  async serial<T>(key: string, fn: (entry: SerialEntry) => Promise<T>): Promise<T> {
    const current = this.#entry(key);
    current.pending++;
    const run = current.tail.then(() => fn(current));
    current.tail = run.catch(() => undefined);
    try {
      return await run;
    } finally {
      if (--current.pending === 0) this.#serial.delete(key);
    }
  }

  #entry(key: string): SerialEntry {
    let entry = this.#serial.get(key);
    if (!entry) {
      entry = { tail: Promise.resolve(), pending: 0, latest: undefined, queue: [] };
      this.#serial.set(key, entry);
    }
    return entry;
  }

  /**
   * @internal Writes a request's changes to an existing session. Updates for one key queue up inside this
   * process; whichever runs first writes every queued change in one compare-and-set (coalescing), rebased
   * on this process's last write, so parallel requests in one process never conflict with each other.
   * @returns the written state, or null when the session was destroyed meanwhile.
   */
  async update(key: string, ops: readonly Op[], base: Loaded, extend: boolean): Promise<WriteOutcome | null> {
    const job: UpdateJob = {
      ops,
      base: { record: base.record, version: base.version, expiresAt: base.expiresAt },
      extend,
    };
    this.#entry(key).queue.push(job);
    await this.serial(key, async (entry) => {
      const batch = entry.queue.splice(0);
      if (batch.length === 0) return; // an earlier batch took this job
      try {
        const outcome = await this.#writeBatch(key, entry, batch);
        for (const queued of batch) queued.result = { outcome };
      } catch (error) {
        // A store failure (or conflict) is every request's: retrying each one could apply a write
        // that did land twice. Only a change that fails on its own is retried alone.
        if (batch.length === 1 || !failsAlone(error)) {
          for (const queued of batch) queued.result = { error };
          return;
        }
        // One request's bad change (too large, a throwing update function) must not fail the others.
        for (const queued of batch) {
          try {
            queued.result = { outcome: await this.#writeBatch(key, entry, [queued]) };
          } catch (single) {
            queued.result = { error: single };
          }
        }
      }
    });
    const result = job.result!;
    if ('error' in result) throw result.error;
    return result.outcome;
  }

  async #writeBatch(
    key: string,
    entry: SerialEntry,
    batch: readonly UpdateJob[],
  ): Promise<WriteOutcome | null> {
    let base: Versioned = batch[0]!.base;
    const extend = batch.some((job) => job.extend);
    // A commit of this process wrote after these requests loaded: rebase on it without a round trip.
    if (entry.latest !== undefined && entry.latest.version !== base.version) base = entry.latest;
    for (let attempt = 0; attempt <= this.maxRetries; attempt++) {
      const record = cloneRecord(base.record);
      for (const job of batch) for (const op of job.ops) op(record);
      const write = this.writeFor(record, this.now(), extend ? null : base.expiresAt);
      const cas = this.store.compareAndSet;
      const version = cas
        ? await this.storeCall('compareAndSet', () => cas.call(this.store, key, base.version, write))
        : await this.storeCall('set', () => this.store.set(key, write));
      if (version !== null) {
        entry.latest = { record, version, expiresAt: write.expiresAt };
        return entry.latest;
      }
      // Conflict with another process: re-read and re-apply only these requests' changes. After the
      // first retry, wait a short random while so two busy processes stop winning in lockstep.
      this.emit({ type: 'cas-conflict', attempt: attempt + 1 });
      if (attempt > 0) await sleep(Math.random() * Math.min(50, 2 ** attempt));
      const fresh = await this.storeCall('get', () => this.store.get(key));
      const decoded = fresh === null ? null : this.decode(fresh, this.now());
      if (fresh === null || decoded === null || decoded === 'expired') {
        entry.latest = undefined;
        return null;
      }
      base = { record: decoded, version: fresh.version, expiresAt: fresh.expiresAt };
    }
    throw new SessionError(
      'SESSION_CONFLICT',
      'The session kept changing under this write; it was not saved.',
      {
        status: 503,
      },
    );
  }

  /** @internal */
  encode(record: SessionRecord): string {
    const data = this.codec.encode(fromRecord(record));
    // A UTF-8 byte is at most 3 per UTF-16 unit: count exactly only when it could matter.
    if (data.length * 3 > this.maxPayloadBytes && encoder.encode(data).length > this.maxPayloadBytes) {
      // 413: the client's own session grew too large; adapters answer it as such, never as a 500.
      throw new SessionError(
        'SESSION_PAYLOAD_TOO_LARGE',
        `The session is larger than maxPayloadBytes (${this.maxPayloadBytes} bytes).`,
        { status: 413 },
      );
    }
    return data;
  }

  /** @internal Decodes and checks expiry; null for a corrupt (reported) or expired record. */
  decode(stored: StoredSession, now: number): SessionRecord | null | 'expired' {
    let record: SessionRecord | null;
    try {
      record = toRecord(this.codec.decode(stored.data));
    } catch {
      record = null;
    }
    if (record === null) {
      this.report(
        new SessionError(
          'SESSION_CORRUPT_RECORD',
          'A stored session could not be decoded; a new one starts.',
        ),
      );
      return null;
    }
    if (stored.expiresAt <= now || record.createdAt + this.absoluteMs <= now) return 'expired';
    return record;
  }

  /** @internal */
  writeFor(record: SessionRecord, now: number, keepExpiresAt: number | null): SessionWrite {
    const absoluteExpiresAt = record.createdAt + this.absoluteMs;
    return {
      data: this.encode(record),
      expiresAt: Math.min(keepExpiresAt ?? now + this.idleMs, absoluteExpiresAt),
      absoluteExpiresAt,
      userId: record.userId,
    };
  }

  /** @internal Max-Age of the anonymous CSRF cookie: the idle timeout, or none for browser-session cookies. */
  csrfMaxAge(): number | undefined {
    return this.cookie.maxAge === 'session' ? undefined : Math.floor(this.idleMs / 1000);
  }

  /** @internal Max-Age for a cookie set now, or undefined for a browser-session cookie. */
  maxAgeFor(record: SessionRecord, now: number): number | undefined {
    const { maxAge } = this.cookie;
    if (maxAge === 'session') return undefined;
    const remaining = Math.floor((record.createdAt + this.absoluteMs - now) / 1000);
    const wanted = maxAge === 'idle' ? Math.floor(this.idleMs / 1000) : maxAge;
    return Math.max(1, Math.min(wanted, remaining));
  }

  /** @internal */
  async storeCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await call();
    } catch (cause) {
      const error = SessionStoreError.from(operation, cause);
      this.emit({ type: 'store-error', operation, latencyMs: performance.now() - started, error });
      throw error;
    }
  }

  /** @internal */
  async listFor(userId: string, currentKey: string | null): Promise<SessionInfo[]> {
    const list = this.store.listByUser;
    if (!list) {
      throw new SessionError(
        'SESSION_USAGE',
        'Listing a user’s sessions needs a store with the per-user index.',
      );
    }
    const now = this.now();
    const rows = await this.storeCall('listByUser', () => list.call(this.store, userId));
    const infos: SessionInfo[] = [];
    for (const row of rows) {
      const record = this.decode(row, now);
      if (record === null || record === 'expired' || record.userId !== userId) continue;
      infos.push({
        id: row.key.slice(0, 16),
        current: row.key === currentKey,
        createdAt: new Date(record.createdAt),
        expiresAt: new Date(row.expiresAt),
      });
    }
    return infos.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  /** @internal */
  async revokeFor(userId: string, exceptKey: string | null): Promise<number> {
    const list = this.store.listByUser;
    if (!list) {
      throw new SessionError(
        'SESSION_USAGE',
        'Revoking a user’s sessions needs a store with the per-user index.',
      );
    }
    const rows = await this.storeCall('listByUser', () => list.call(this.store, userId));
    const doomed = this.#ownedBy(userId, rows).filter((row) => row.key !== exceptKey);
    await Promise.all(doomed.map((row) => this.deleteKey(row.key)));
    return doomed.length;
  }

  /**
   * The live rows whose decoded record is bound to exactly `userId`. An index may answer more than the
   * user's own sessions (a collation that ignores trailing spaces or case, a stale entry): acting on
   * those would end another user's sessions.
   */
  #ownedBy<Row extends StoredSession>(
    userId: string,
    rows: readonly Row[],
  ): Array<Row & { readonly record: SessionRecord }> {
    const now = this.now();
    const owned: Array<Row & { readonly record: SessionRecord }> = [];
    for (const row of rows) {
      const record = this.decode(row, now);
      if (record !== null && record !== 'expired' && record.userId === userId) owned.push({ ...row, record });
    }
    return owned;
  }

  /** @internal Deletes a record in line with this process's other commits for it. */
  async deleteKey(key: string): Promise<void> {
    await this.serial(key, async (entry) => {
      await this.storeCall('delete', () => this.store.delete(key));
      entry.latest = undefined;
    });
  }

  /** @internal Evicts a user's oldest sessions beyond maxSessionsPerUser. */
  async enforceUserCap(userId: string, keepKey: string): Promise<void> {
    if (this.maxSessionsPerUser === Number.POSITIVE_INFINITY || !this.store.listByUser) return;
    const list = this.store.listByUser;
    const rows = this.#ownedBy(
      userId,
      await this.storeCall('listByUser', () => list.call(this.store, userId)),
    );
    if (rows.length <= this.maxSessionsPerUser) return;
    const aged = rows
      .filter((row) => row.key !== keepKey)
      .sort((a, b) => a.record.createdAt - b.record.createdAt);
    const excess = rows.length - this.maxSessionsPerUser;
    await Promise.all(aged.slice(0, excess).map((row) => this.deleteKey(row.key)));
  }
}

/** The per-request session; adapters see it as a {@link SessionHandle}, handlers as a {@link Session}. */
class RequestSession<Data extends SessionData> implements Session<Data>, SessionHandle<Data> {
  readonly #m: SessionManager<Data>;
  readonly #header: string;
  readonly #secure: boolean;
  readonly #headersSent: (() => boolean) | undefined;
  #identity: Promise<Identity | null> | undefined;
  #loading: Promise<Loaded | null> | undefined;
  /** The stored session as loaded or last committed; null for none. */
  #base: Loaded | null = null;
  /** `#base`'s record with `#ops` applied; null until loaded. */
  #view: SessionRecord | null = null;
  /** Whether `#view` is the stored record itself (no change yet): copied before the first change. */
  #viewShared = false;
  #ops: Op[] = [];
  #regenerate = false;
  #forceTouch = false;
  /** Keys to delete at commit (destroy). */
  #doomed: Array<Promise<string | null>> = [];
  /** Keys of expired records found on load, removed best-effort at commit. */
  #expired: string[] = [];
  #destroyed = false;
  #hadCookie = false;
  #setCookie: string | null = null;
  /** The token of a valid anonymous CSRF cookie the request carried (read on demand). */
  #anonymousCookie: Promise<string | null> | undefined;
  #hadAnonymousCookie = false;
  /** Whether csrfToken() or verifyCsrfToken() ran (then a stale anonymous cookie is looked for). */
  #csrfUsed = false;
  /** A token handed to an anonymous visitor in this request, whose cookie goes out at commit. */
  #anonymousIssued: string | null = null;
  /** The anonymous CSRF cookie's `Set-Cookie` (set, or cleared), or null. */
  #csrfCookie: string | null = null;
  #headers: ReadonlyArray<readonly [string, string]> = [];
  #commitTail: Promise<unknown> = Promise.resolve();
  #committed = false;

  constructor(manager: SessionManager<Data>, header: string, secure: boolean, headersSent?: () => boolean) {
    this.#m = manager;
    this.#header = header;
    this.#secure = secure;
    this.#headersSent = headersSent;
  }

  get session(): Session<Data> {
    return this;
  }

  get idle(): boolean {
    return (
      this.#loading === undefined &&
      this.#identity === undefined &&
      this.#ops.length === 0 &&
      !this.#regenerate &&
      !this.#destroyed &&
      !this.#forceTouch &&
      !this.#csrfUsed &&
      !this.#committed
    );
  }

  get state(): SessionState {
    if (this.#destroyed && this.#ops.length === 0) return 'destroyed';
    return this.#ops.length > 0 || this.#regenerate || this.#destroyed ? 'modified' : 'unmodified';
  }

  // ---- identity and loading ------------------------------------------------------------------

  #resolveIdentity(): Promise<Identity | null> {
    this.#identity ??= this.#verifyCookie();
    return this.#identity;
  }

  async #verifyCookie(): Promise<Identity | null> {
    const m = this.#m;
    if (this.#header === '') return null;
    // The common case, one value of our name that verified before: no HMAC, no hash. Only verified
    // values are remembered and a hit needs the exact value, so a forged one never hits.
    const values = cookieValues(this.#header, m.cookieName, 2);
    if (values.length === 0) return null;
    const single = values.length === 1 ? values[0]! : null;
    const known = single === null ? undefined : m.knownIdentity(single);
    if (known !== undefined) {
      this.#hadCookie = true;
      return known;
    }
    const read = await readSignedCookie(
      this.#header,
      m.cookieName,
      m.crypto,
      () => m.signingKeys(),
      (id) => m.message(id),
    );
    if (!read.present) return null;
    this.#hadCookie = true;
    if (read.tossing !== null) {
      m.report(
        new SessionError(
          'SESSION_COOKIE_TOSSING',
          read.tossing === 'too many'
            ? 'Too many session cookies in one request; ignoring all.'
            : 'Several session cookies verified to different ids; ignoring all.',
        ),
      );
      return null;
    }
    if (read.found === null) return null;
    const identity = {
      id: read.found.value,
      key: await m.keyOf(read.found.value),
      reissue: read.found.reissue,
    };
    if (single !== null) m.rememberIdentity(single, identity);
    return identity;
  }

  #load(): Promise<Loaded | null> {
    this.#loading ??= this.#loadOnce();
    return this.#loading;
  }

  async #loadOnce(): Promise<Loaded | null> {
    const m = this.#m;
    const identity = this.#destroyed ? null : await this.#resolveIdentity();
    let loaded: Loaded | null = null;
    if (identity !== null) {
      const stored = await m.storeCall('get', () => m.store.get(identity.key));
      if (stored !== null) {
        const record = m.decode(stored, m.now());
        if (record === 'expired') {
          // Treated as absent, and removed so it cannot linger in stores without native TTLs.
          this.#expired.push(identity.key);
        } else if (record !== null) {
          loaded = { identity, record, version: stored.version, expiresAt: stored.expiresAt };
        }
      }
    }
    if (!this.#destroyed) this.#base = loaded;
    this.#rebuildView();
    return this.#base;
  }

  /**
   * The view is `#base`'s record with `#ops` applied. Copy on write: without pending changes it is the
   * stored record itself, shared and never mutated (reads hand out copies of values); the first change
   * copies it.
   */
  #rebuildView(): void {
    if (this.#ops.length === 0) {
      this.#view = this.#base ? this.#base.record : newRecord(this.#m.now());
      this.#viewShared = this.#base !== null;
      return;
    }
    const view = this.#base ? cloneRecord(this.#base.record) : newRecord(this.#m.now());
    for (const op of this.#ops) op(view);
    this.#view = view;
    this.#viewShared = false;
  }

  async #current(): Promise<SessionRecord> {
    await this.#load();
    return this.#view!;
  }

  #apply(op: Op): void {
    this.#ops.push(op);
    if (this.#view === null) return;
    if (this.#viewShared) {
      this.#view = cloneRecord(this.#view);
      this.#viewShared = false;
    }
    op(this.#view);
  }

  // ---- data ----------------------------------------------------------------------------------

  async get<K extends keyof Data & string>(key: K): Promise<Data[K] | undefined> {
    // A copy: mutating what get() answers never changes the stored record or another request's view.
    return copyValue((await this.#current()).data.get(key)) as Data[K] | undefined;
  }

  async has(key: keyof Data & string): Promise<boolean> {
    return (await this.#current()).data.has(key);
  }

  async all(): Promise<Partial<Data>> {
    const entries = Array.from((await this.#current()).data, ([key, value]) => [key, copyValue(value)]);
    return Object.fromEntries(entries) as Partial<Data>;
  }

  set<K extends keyof Data & string>(key: K, value: Data[K]): void {
    if (value === undefined) {
      this.delete(key);
      return;
    }
    this.#apply((record) => {
      record.data.set(key, value);
    });
  }

  delete(key: keyof Data & string): void {
    this.#apply((record) => {
      record.data.delete(key);
    });
  }

  clear(): void {
    this.#apply((record) => {
      record.data.clear();
    });
  }

  async update<K extends keyof Data & string>(
    key: K,
    fn: (current: Data[K] | undefined) => Data[K],
  ): Promise<Data[K]> {
    const m = this.#m;
    await this.#load();
    // `fn` runs again only when the value it saw changed (a concurrent write), so its last run is the one
    // whose result was stored.
    let seen: { input: unknown; output: Data[K] } | undefined;
    const op: Op = (record) => {
      const input = record.data.get(key);
      if (seen === undefined || !Object.is(seen.input, input)) {
        seen = { input, output: fn(input as Data[K] | undefined) };
      }
      if (seen.output === undefined) record.data.delete(key);
      else record.data.set(key, seen.output);
    };
    const base = this.#base;
    if (base !== null) {
      // A stored session: write now, with the store's compare-and-set (fn re-run on a conflict), so the
      // answer is the value the store accepted. Waiting for the response's commit instead would deadlock
      // (handlers await update() before they respond) and would answer a value computed on a stale copy.
      const outcome = await m.track(m.update(base.identity.key, [op], base, false));
      if (outcome !== null) {
        // The stored state is the new base; this request's other pending changes stay on top of it.
        if (this.#base === base) {
          this.#base = { identity: base.identity, ...outcome };
          this.#rebuildAfterCommit();
        }
        // This update's own result: a coalesced batch wrote several updates of the key in one go, each
        // on top of the one before, and the stored record holds the last of them.
        return seen!.output;
      }
      // Destroyed or regenerated elsewhere meanwhile: never bring it back. What follows is a new session.
      m.report(
        new SessionError('SESSION_WRITE_DROPPED', 'An update of a session destroyed meanwhile was dropped.'),
      );
      if (this.#base === base) {
        this.#base = null;
        this.#rebuildAfterCommit();
      }
    }
    // No stored session yet: the change is created with the session at commit, insert-only.
    this.#apply(op);
    return this.#view!.data.get(key) as Data[K];
  }

  flash(key: string, value: unknown): void {
    this.#apply((record) => {
      const queue = record.flash.get(key);
      if (queue) queue.push(value);
      else record.flash.set(key, [value]);
    });
  }

  async consumeFlash(key: string): Promise<unknown[]> {
    const view = await this.#current();
    const values = view.flash.get(key);
    if (values === undefined || values.length === 0) return [];
    // Remove only what was read: a value queued meanwhile by another request stays for the next read.
    const count = values.length;
    const read = copyValue(values) as unknown[];
    this.#apply((record) => {
      const rest = record.flash.get(key)?.slice(count) ?? [];
      if (rest.length > 0) record.flash.set(key, rest);
      else record.flash.delete(key);
    });
    return read;
  }

  async getUser(): Promise<string | null> {
    return (await this.#current()).userId;
  }

  setUser(userId: string | null): void {
    if (userId !== null && (typeof userId !== 'string' || userId.length === 0)) {
      throw new SessionError('SESSION_USAGE', 'setUser() takes a non-empty string or null.', { status: 500 });
    }
    this.#apply((record) => {
      record.userId = userId;
    });
  }

  regenerate(): void {
    this.#regenerate = true;
    // The CSRF token changes with the id (THREATS.md, Lifecycle): a token learned before sign-in is void.
    // A token asked for after this call, in this request, is the new session's.
    this.#apply((record) => {
      record.csrf = null;
    });
  }

  destroy(): void {
    this.#destroyed = true;
    this.#regenerate = false;
    this.#doomed.push(this.#resolveIdentity().then((identity) => identity?.key ?? null));
    this.#ops = [];
    this.#base = null;
    // Reads after destroy see an empty new session.
    this.#loading = Promise.resolve(null);
    this.#view = newRecord(this.#m.now());
  }

  touch(): void {
    this.#forceTouch = true;
  }

  async exists(): Promise<boolean> {
    return (await this.#load()) !== null;
  }

  async createdAt(): Promise<Date | null> {
    const loaded = await this.#load();
    return loaded ? new Date(loaded.record.createdAt) : null;
  }

  async logId(): Promise<string | null> {
    const loaded = await this.#load();
    return loaded ? loaded.identity.key.slice(0, 16) : null;
  }

  async listSessions(): Promise<SessionInfo[]> {
    const view = await this.#current();
    if (view.userId === null) return [];
    return this.#m.listFor(view.userId, this.#base?.identity.key ?? null);
  }

  async revokeOtherSessions(): Promise<number> {
    const view = await this.#current();
    if (view.userId === null) return 0;
    return this.#m.revokeFor(view.userId, this.#base?.identity.key ?? null);
  }

  async csrfToken(): Promise<string> {
    this.#csrfUsed = true;
    const view = await this.#current();
    if (view.csrf !== null) return view.csrf;
    if (this.#base === null && !this.#regenerate) {
      // An anonymous visitor: the token lives in a signed cookie of its own, not in a store record, so a
      // page that renders a form for every visitor writes nothing (THREATS.md, Lifecycle).
      const carried = await this.#anonymousToken();
      if (carried !== null) return carried;
      this.#anonymousIssued ??= this.#m.crypto.randomToken(32);
      return this.#anonymousIssued;
    }
    const token = this.#m.crypto.randomToken(32);
    this.#apply((record) => {
      record.csrf ??= token;
    });
    return view.csrf ?? token;
  }

  async verifyCsrfToken(token: unknown): Promise<boolean> {
    this.#csrfUsed = true;
    let expected = (await this.#current()).csrf;
    // Without a stored session, the anonymous cookie's token; once a session is stored, only its own.
    if (expected === null && this.#base === null)
      expected = this.#anonymousIssued ?? (await this.#anonymousToken());
    if (expected === null || typeof token !== 'string' || token.length !== expected.length) return false;
    let difference = 0;
    for (let i = 0; i < expected.length; i++) difference |= expected.charCodeAt(i) ^ token.charCodeAt(i);
    return difference === 0;
  }

  #anonymousToken(): Promise<string | null> {
    this.#anonymousCookie ??= this.#readAnonymousCookie();
    return this.#anonymousCookie;
  }

  async #readAnonymousCookie(): Promise<string | null> {
    const m = this.#m;
    const read = await readSignedCookie(
      this.#header,
      m.csrfCookieName,
      m.crypto,
      () => m.csrfKeys(),
      (token) => m.csrfMessage(token),
    );
    this.#hadAnonymousCookie = read.present;
    return read.present ? (read.found?.value ?? null) : null;
  }

  /**
   * The anonymous CSRF cookie after a commit: a token handed out to a visitor without a session gets its
   * cookie; once a stored session exists, a cookie the request carried is cleared (a token planted from a
   * sibling subdomain never outlives the session's start).
   */
  async #settleCsrfCookie(cookies: boolean, created: boolean): Promise<void> {
    const m = this.#m;
    if (this.#base !== null) {
      this.#anonymousIssued = null;
      const carried =
        this.#hadAnonymousCookie ||
        ((created || this.#csrfUsed) &&
          cookieValues(this.#header, m.csrfCookieName, 1).length > 0 &&
          this.#csrfCookie === null);
      if (carried && cookies) {
        this.#hadAnonymousCookie = false;
        this.#csrfCookie = serializeCookie(m.csrfCookie, '', 0, this.#secure);
        this.#headers = CACHE_HEADERS;
      }
      return;
    }
    const token = this.#anonymousIssued;
    if (token === null) return;
    if (!cookies) this.#readonly('a CSRF token for a visitor without a session');
    const [key] = await m.csrfKeys();
    const signature = await m.crypto.sign(key!, m.csrfMessage(token));
    this.#csrfCookie = serializeCookie(m.csrfCookie, `${token}.${signature}`, m.csrfMaxAge(), this.#secure);
    this.#headers = CACHE_HEADERS;
    // Sent once: later commits of this request keep it, and the request now carries it, in effect.
    this.#anonymousIssued = null;
    this.#anonymousCookie = Promise.resolve(token);
  }

  async save(): Promise<void> {
    await this.commit({ cookies: this.#headersSent?.() !== true });
  }

  // ---- commit --------------------------------------------------------------------------------

  commit(options: CommitOptions = {}): Promise<CommitResult> {
    this.#committed = true;
    const run = this.#commitTail.then(() => this.#commitOnce(options));
    this.#commitTail = run.catch(() => undefined);
    return this.#m.track(run);
  }

  async #commitOnce(options: CommitOptions): Promise<CommitResult> {
    if (options.status !== undefined && options.status >= 500) {
      // The handler failed half-way: nothing of this request is saved, and nothing stays pending.
      this.#ops = [];
      this.#regenerate = false;
      this.#forceTouch = false;
      this.#doomed = [];
      this.#destroyed = false;
      if (this.#loading !== undefined) this.#rebuildView();
      return this.#result();
    }
    const cookies = options.cookies ?? true;
    if (!cookies && this.#destroyed) this.#readonly('destroy()');
    // Take what this commit saves. Changes made while it runs stay pending for the next commit; if it
    // fails, what it took is put back in front of them.
    const taken = {
      ops: this.#ops,
      regenerate: this.#regenerate,
      forceTouch: this.#forceTouch,
      doomed: this.#doomed,
      expired: this.#expired,
      destroyed: this.#destroyed,
    };
    this.#ops = [];
    this.#regenerate = false;
    this.#forceTouch = false;
    this.#doomed = [];
    this.#expired = [];
    const hadBase = this.#base;
    try {
      await this.#save(taken, cookies);
      const created = hadBase === null && this.#base !== null;
      await this.#settleCsrfCookie(cookies, created || taken.regenerate);
    } catch (error) {
      this.#ops = [...taken.ops, ...this.#ops];
      this.#regenerate ||= taken.regenerate;
      this.#forceTouch ||= taken.forceTouch;
      this.#doomed = [...taken.doomed, ...this.#doomed];
      if (this.#loading !== undefined) this.#rebuildView();
      throw error;
    }
    return this.#result();
  }

  async #save(taken: Taken, cookies: boolean): Promise<void> {
    const m = this.#m;
    const now = m.now();

    // Expired records found on load: removed best-effort, a failure only reported (the read succeeded).
    for (const key of taken.expired) {
      await m.deleteKey(key).catch((error: unknown) => m.report(SessionStoreError.from('delete', error)));
    }
    // Destroy: delete, then expire the cookie unless a new session follows.
    if (taken.doomed.length > 0) {
      const keys = await Promise.all(taken.doomed);
      for (const key of keys) if (key !== null) await m.deleteKey(key);
      if (taken.destroyed && taken.ops.length === 0 && this.#hadCookie) {
        this.#setCookie = serializeCookie(m.cookie, '', 0, this.#secure);
        this.#headers = CACHE_HEADERS;
      }
      // Unless destroy() ran again meanwhile, what follows is a new session ('unmodified' until written).
      if (this.#doomed.length === 0) this.#destroyed = false;
    }

    if (taken.ops.length === 0 && !taken.regenerate) {
      if (this.#loading === undefined && !taken.forceTouch) return;
      const loaded = await this.#load();
      if (loaded !== null) await this.#touchIfDue(loaded, now, cookies, taken.forceTouch);
      if (this.#headers.length === 0) this.#headers = VARY_ONLY;
      return;
    }

    const loaded = await this.#load();
    if (loaded === null) {
      const record = replay(newRecord(now), taken.ops);
      // A new session left empty (delete, clear, regenerate on nothing): nothing to save, no cookie, so
      // a flood of such requests writes nothing.
      if (isEmpty(record)) return;
      // A fresh id, never one the client chose, created insert-only.
      if (!cookies) this.#readonly('starting a new session');
      // The anonymous visitor's CSRF token carries into the session on its first write, so forms
      // rendered before it still post; a sign-in (regenerate) starts with a new token instead.
      if (record.csrf === null && !taken.regenerate) {
        record.csrf = this.#anonymousIssued ?? (await this.#anonymousToken());
      }
      await this.#createNew(record, now);
      if (record.userId !== null) await m.enforceUserCap(record.userId, this.#base!.identity.key);
    } else if (taken.regenerate) {
      if (!cookies) this.#readonly('regenerate()');
      await this.#regenerateFrom(loaded, taken, now);
    } else {
      await this.#update(loaded, taken, now, cookies);
    }
  }

  /**
   * Moves the session to a new id: the old id stops working at once, or nothing changes. A source record
   * destroyed or expired meanwhile (a sign-out, "sign out everywhere") is never revived under a new id:
   * the regenerate is dropped, reported, and only the clearing cookie goes out.
   */
  async #regenerateFrom(loaded: Loaded, taken: Taken, now: number): Promise<void> {
    const m = this.#m;
    const oldKey = loaded.identity.key;
    // Copy the newest data, not what this request loaded: a parallel write may have landed since.
    const source = await this.#live(oldKey, now);
    if (source === null) {
      this.#dropRegenerate();
      return;
    }
    // The absolute timeout keeps counting from the original creation: rotating ids never extends it.
    const record = replay(source, taken.ops);
    const created = await this.#insertNew(record, now);
    try {
      // A destroy that landed while the copy was made wins: undo the copy rather than revive the session.
      if ((await this.#live(oldKey, now)) === null) {
        await m.deleteKey(created.identity.key);
        this.#dropRegenerate();
        return;
      }
      await m.deleteKey(oldKey);
    } catch (error) {
      // The old id could not be revoked: keep it, send no new cookie, and take the copy back (best effort;
      // a copy left behind is unreachable, as no cookie for it was ever sent, and expires by itself).
      await m.deleteKey(created.identity.key).catch((cleanup: unknown) => {
        m.report(SessionStoreError.from('delete', cleanup));
      });
      throw error;
    }
    await this.#adopt(created, record, now);
    if (record.userId !== null) await m.enforceUserCap(record.userId, created.identity.key);
  }

  /** The live, decodable record under `key`, or null. */
  async #live(key: string, now: number): Promise<SessionRecord | null> {
    const m = this.#m;
    const stored = await m.storeCall('get', () => m.store.get(key));
    const decoded = stored === null ? null : m.decode(stored, now);
    return decoded === null || decoded === 'expired' ? null : decoded;
  }

  #dropRegenerate(): void {
    const m = this.#m;
    m.report(
      new SessionError(
        'SESSION_WRITE_DROPPED',
        'A regenerate of a session destroyed meanwhile was dropped; no new session was created.',
      ),
    );
    this.#base = null;
    this.#rebuildAfterCommit();
    if (this.#hadCookie) {
      this.#setCookie = serializeCookie(m.cookie, '', 0, this.#secure);
      this.#headers = CACHE_HEADERS;
    }
  }

  #readonly(what: string): never {
    // No framework is named here: adapters whose framework has its own rules (Next.js Server Components)
    // throw their own wording before core gets this far.
    throw new SessionError(
      'SESSION_COOKIE_READONLY',
      `${what} needs to set the session cookie, which this response can no longer carry (its head was ` +
        'sent, or the adapter opened it read-only): make the change before the response starts.',
    );
  }

  #result(): CommitResult {
    if (this.#setCookie === null && this.#csrfCookie === null && this.#headers.length === 0)
      return NO_HEADERS;
    const cookies: string[] = [];
    if (this.#setCookie !== null) cookies.push(this.#setCookie);
    if (this.#csrfCookie !== null) cookies.push(this.#csrfCookie);
    return { setCookie: this.#setCookie, cookies, headers: this.#headers };
  }

  async #createNew(record: SessionRecord, now: number): Promise<void> {
    await this.#adopt(await this.#insertNew(record, now), record, now);
  }

  /** Stores `record` under a fresh id, insert-only; the request does not use it yet. */
  async #insertNew(record: SessionRecord, now: number): Promise<Created> {
    const m = this.#m;
    const write = m.writeFor(record, now, null);
    for (let attempt = 0; attempt < 3; attempt++) {
      const id = m.crypto.randomToken(ID_BYTES);
      const key = await m.keyOf(id);
      const version = await m.storeCall('create', () => m.store.create(key, write));
      if (version === null) continue; // a colliding id never overwrites a record
      return { identity: { id, key, reissue: false }, version, expiresAt: write.expiresAt };
    }
    throw new SessionError('SESSION_CONFLICT', 'Could not create a session: ids kept colliding.');
  }

  /** Makes a stored new session this request's session and sets its cookie. */
  async #adopt(created: Created, record: SessionRecord, now: number): Promise<void> {
    this.#base = {
      identity: created.identity,
      record,
      version: created.version,
      expiresAt: created.expiresAt,
    };
    this.#rebuildAfterCommit();
    this.#destroyed = false;
    await this.#setSessionCookie(created.identity.id, record, now);
  }

  async #update(loaded: Loaded, taken: Taken, now: number, cookies: boolean): Promise<void> {
    const m = this.#m;
    const key = loaded.identity.key;
    const userBefore = loaded.record.userId;
    // The stored expiry moves only together with the cookie (when a touch is due and the response can
    // carry a cookie), so the browser never drops a cookie whose record is still alive.
    const extend = cookies && this.#touchDue(loaded, now, taken.forceTouch);
    const outcome = await m.update(key, taken.ops, loaded, extend);
    if (outcome === null) {
      // Lost to a destroy or regenerate elsewhere: never bring the session back. No cookie either: the
      // request that destroyed or regenerated it already sent the right one.
      m.report(
        new SessionError('SESSION_WRITE_DROPPED', 'A write to a session destroyed meanwhile was dropped.'),
      );
      this.#base = null;
      this.#rebuildAfterCommit();
      return;
    }
    this.#base = { identity: loaded.identity, ...outcome };
    this.#rebuildAfterCommit();
    if (cookies && (extend || loaded.identity.reissue)) {
      await this.#setSessionCookie(loaded.identity.id, outcome.record, now);
    } else if (this.#headers.length === 0) {
      this.#headers = VARY_ONLY;
    }
    if (outcome.record.userId !== null && outcome.record.userId !== userBefore) {
      await m.enforceUserCap(outcome.record.userId, key);
    }
  }

  /** After a commit: the committed state is the base, changes made meanwhile stay on top of it. */
  #rebuildAfterCommit(): void {
    this.#loading = Promise.resolve(this.#base);
    this.#rebuildView();
  }

  /** Whether the last activity (derived from the stored expiry) is older than the touch interval. */
  #touchDue(loaded: Loaded, now: number, force: boolean): boolean {
    const absoluteEnd = loaded.record.createdAt + this.#m.absoluteMs;
    const next = Math.min(now + this.#m.idleMs, absoluteEnd);
    if (next <= loaded.expiresAt) return false;
    const lastActive = loaded.expiresAt - this.#m.idleMs;
    return force || now - lastActive >= this.#m.touchMs;
  }

  async #touchIfDue(loaded: Loaded, now: number, cookies: boolean, force: boolean): Promise<void> {
    const m = this.#m;
    // Without a cookie to carry the new expiry, the store's expiry is left alone (see #update).
    const due = cookies && this.#touchDue(loaded, now, force);
    let alive = true;
    if (due) {
      const expiresAt = Math.min(now + m.idleMs, loaded.record.createdAt + m.absoluteMs);
      alive = (await m.storeCall('touch', () => m.store.touch(loaded.identity.key, expiresAt))) !== false;
      this.#base = { ...loaded, expiresAt };
      this.#loading = Promise.resolve(this.#base);
    }
    // A store that reports the record gone (destroyed or regenerated meanwhile) gets no refreshed cookie:
    // it would overwrite the cookie the other request set.
    if (cookies && alive && (due || loaded.identity.reissue)) {
      await this.#setSessionCookie(loaded.identity.id, loaded.record, now);
    }
  }

  async #setSessionCookie(id: string, record: SessionRecord, now: number): Promise<void> {
    const m = this.#m;
    const [key] = await m.signingKeys();
    const signature = await m.crypto.sign(key!, m.message(id));
    this.#setCookie = serializeCookie(m.cookie, `${id}.${signature}`, m.maxAgeFor(record, now), this.#secure);
    this.#headers = CACHE_HEADERS;
    if (m.cookie.secure === true && !this.#secure) m.warnSecureOverHttp();
  }
}
