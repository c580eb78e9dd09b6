import { fromRecord, jsonCodec, type SessionCodec, type SessionRecord, toRecord } from './codec.ts';
import { type ResolvedCookieOptions, resolveCookieOptions } from './cookie.ts';
import type { CryptoProvider, SigningKey } from './crypto.ts';
import { configError, SessionError, SessionStoreError } from './errors.ts';
import { logSessionEvent, type SessionEvent } from './events.ts';
import { type Identity, type Loaded, RequestSession } from './request-session.ts';
import {
  type SealedContext,
  SealedRequestSession,
  type SessionCapabilities,
  sealedDestroyUserSessions,
  sealedListUserSessions,
  sealedModeOf,
  sessionCapabilities,
} from './sealed-session.ts';
import type {
  SessionData,
  SessionHandle,
  SessionInfo,
  SessionManagerOptions,
  SessionRequest,
} from './session.ts';
import { VerifiedCookies } from './signed-cookie.ts';
import {
  type AnySessionStore,
  type SessionWrite,
  type StoreCapabilities,
  type StoredSession,
  storeCapabilities,
} from './store.ts';
import { UserSessions } from './user-sessions.ts';
import { type Op, type WriteOutcome, WriteQueue } from './write-queue.ts';

/** Marks a SessionManager in every copy of this package (see SessionManager[Symbol.hasInstance]). */
const MANAGER_BRAND: unique symbol = Symbol.for('@cloakroom/session-core:SessionManager') as never;

/** Sessions one user may hold on a store with a per-user index (a finite bound on listing and revoking). */
const DEFAULT_MAX_SESSIONS_PER_USER = 100;
const SIGNATURE_PURPOSE = 'cloakroom/cookie-signature/v1';
const CSRF_COOKIE_PURPOSE = 'cloakroom/csrf-cookie/v1';
const encoder = new TextEncoder();

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
 * The manager's machinery: configuration, encoding, the write queue, user operations. Module-private to
 * core (not exported from the package): {@link SessionManager} is its public face, and each request's
 * session works through it.
 */
export class ManagerCore {
  /** The cookie name in use (with the `__Host-` prefix by default). */
  readonly cookieName: string;
  /**
   * The anonymous visitor's CSRF cookie: the session cookie's name and attributes with `-csrf`, so a
   * `__Host-` prefix carries over. It holds a signed token and no store record.
   */
  readonly csrfCookieName: string;
  /** The store's optional capabilities, detected once. */
  readonly capabilities: StoreCapabilities;
  readonly store: AnySessionStore;
  readonly cookie: ResolvedCookieOptions;
  /** The anonymous CSRF cookie: the session cookie's attributes under its own name. */
  readonly csrfCookie: ResolvedCookieOptions;
  readonly idleMs: number;
  readonly absoluteMs: number;
  readonly touchMs: number;
  readonly codec: SessionCodec;
  /**
   * Reports a problem outside a request's answer (adapters route their late failures here too): to
   * `onError`, and as an event to `onEvent` (or the default log when neither hook is given).
   */
  readonly report: (error: SessionError) => void;
  readonly emit: (event: SessionEvent) => void;
  readonly now: () => number;
  readonly crypto: CryptoProvider;
  readonly maxPayloadBytes: number;
  readonly maxSessionsPerUser: number;
  readonly maxRetries: number;
  readonly #secrets: Uint8Array[];
  #keys: Promise<SigningKey[]> | undefined;
  readonly #known: VerifiedCookies<Identity>;
  #csrfKeys: Promise<SigningKey[]> | undefined;
  readonly #writes: WriteQueue;
  readonly #users: UserSessions;
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
    const knownMax = options.verifiedCookieCache ?? 1024;
    if (!Number.isInteger(knownMax) || knownMax < 0) {
      throw configError('verifiedCookieCache must be a whole number of entries (0 turns it off).');
    }
    this.#known = new VerifiedCookies(knownMax);
    this.#writes = new WriteQueue(this);
    this.#users = new UserSessions(this);
    const cap = this.maxSessionsPerUser;
    if (cap !== Number.POSITIVE_INFINITY && (!Number.isInteger(cap) || cap < 1)) {
      throw configError('maxSessionsPerUser must be a whole number of at least 1, or Infinity.');
    }
    if (cap !== Number.POSITIVE_INFINITY && !this.capabilities.userIndex) {
      throw configError('maxSessionsPerUser needs a store with the per-user index (listByUser).');
    }
  }

  /** Waits for in-flight commits, then closes the store (a client the user passed to it stays open). */
  async close(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled(Array.from(this.#inFlight));
    if (this.store.close) await this.store.close();
  }

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
   * A `Secure` cookie sent in answer to a plain-http request is dropped by the browser without
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
    return this.#known.stats;
  }

  /** A cookie value verified earlier; undefined for none. */
  knownIdentity(value: string): Identity | undefined {
    return this.#known.get(value);
  }

  /** Remembers a verified cookie value (only ever called after its signature verified). */
  rememberIdentity(value: string, identity: Identity): void {
    this.#known.remember(value, identity);
  }

  signingKeys(): Promise<SigningKey[]> {
    this.#keys ??= Promise.all(
      this.#secrets.map((secret) => this.crypto.deriveKey(secret, SIGNATURE_PURPOSE)),
    );
    return this.#keys;
  }

  /** The versioned message a cookie signature covers, bound to the cookie name. */
  message(id: string): string {
    return `v1|${this.cookieName}|${id}`;
  }

  /** Keys of the anonymous CSRF cookie: a purpose of their own, never the session cookie's. */
  csrfKeys(): Promise<SigningKey[]> {
    this.#csrfKeys ??= Promise.all(
      this.#secrets.map((secret) => this.crypto.deriveKey(secret, CSRF_COOKIE_PURPOSE)),
    );
    return this.#csrfKeys;
  }

  csrfMessage(token: string): string {
    return `v1|${this.csrfCookieName}|${token}`;
  }

  async keyOf(id: string): Promise<string> {
    return this.crypto.sha256(id);
  }

  /**
   * Writes a request's changes to an existing session (see {@link WriteQueue.update}).
   * @returns the written state, or null when the session was destroyed meanwhile.
   */
  update(key: string, ops: readonly Op[], base: Loaded, extend: boolean): Promise<WriteOutcome | null> {
    return this.#writes.update(
      key,
      ops,
      { record: base.record, version: base.version, expiresAt: base.expiresAt },
      extend,
    );
  }

  /** Deletes a record in line with this process's other commits for it. */
  deleteKey(key: string): Promise<void> {
    return this.#writes.deleteKey(key);
  }

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

  /** Decodes and checks expiry; null for a corrupt (reported) or expired record. */
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
    if (stored.expiresAt <= now || this.absoluteEnd(record) <= now) return 'expired';
    return record;
  }

  /** The session's idle timeout in ms: its own (setLifetime) or the manager's. */
  idleFor(record: SessionRecord): number {
    return record.lifetime?.idleMs ?? this.idleMs;
  }

  /** When the session ends however active it is, epoch ms: its own absolute timeout or the manager's. */
  absoluteEnd(record: SessionRecord): number {
    return record.createdAt + (record.lifetime?.absoluteMs ?? this.absoluteMs);
  }

  /** The session's touch interval in ms: the manager's, scaled with a lifetime of its own. */
  touchFor(record: SessionRecord): number {
    const own = record.lifetime;
    return own === null ? this.touchMs : (this.touchMs * own.idleMs) / this.idleMs;
  }

  /** The expiry a touch now gives the session: idle from now, never past its absolute end. */
  slidingExpiry(record: SessionRecord, now: number): number {
    return Math.min(now + this.idleFor(record), this.absoluteEnd(record));
  }

  writeFor(record: SessionRecord, now: number, keepExpiresAt: number | null): SessionWrite {
    const absoluteExpiresAt = this.absoluteEnd(record);
    return {
      data: this.encode(record),
      expiresAt: Math.min(keepExpiresAt ?? now + this.idleFor(record), absoluteExpiresAt),
      absoluteExpiresAt,
      userId: record.userId,
    };
  }

  /** Max-Age of the anonymous CSRF cookie: the idle timeout, or none for browser-session cookies. */
  csrfMaxAge(): number | undefined {
    return this.cookie.maxAge === 'session' ? undefined : Math.floor(this.idleMs / 1000);
  }

  /**
   * Max-Age for a cookie set now, or undefined for a browser-session cookie. A session with a lifetime
   * of its own ("remember me") gets its idle timeout, whatever `cookie.maxAge` says: a persistent cookie
   * is what such a session is for.
   */
  maxAgeFor(record: SessionRecord, now: number): number | undefined {
    const { maxAge } = this.cookie;
    const own = record.lifetime;
    if (maxAge === 'session' && own === null) return undefined;
    const remaining = Math.floor((this.absoluteEnd(record) - now) / 1000);
    const wanted =
      own !== null
        ? Math.floor(own.idleMs / 1000)
        : maxAge === 'idle' || maxAge === 'session'
          ? Math.floor(this.idleMs / 1000)
          : maxAge;
    return Math.max(1, Math.min(wanted, remaining));
  }

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

  /** The user's live sessions, sorted by creation (see user-sessions.ts). */
  listFor(userId: string, currentKey: string | null): Promise<SessionInfo[]> {
    return this.#users.list(userId, currentKey);
  }

  /** Deletes the user's sessions but `exceptKey`; resolves how many. */
  revokeFor(userId: string, exceptKey: string | null): Promise<number> {
    return this.#users.revoke(userId, exceptKey);
  }

  /** Evicts a user's oldest sessions beyond maxSessionsPerUser. */
  enforceUserCap(userId: string, keepKey: string): Promise<void> {
    return this.#users.enforceCap(userId, keepKey);
  }
}

/**
 * Builds session handles for requests. Create one per application and share it (every adapter's
 * `session()` takes options or a ready manager).
 */
export class SessionManager<Data extends SessionData = SessionData> {
  /** By brand, not by prototype: a manager from another copy of core is one too. */
  static [Symbol.hasInstance](value: unknown): boolean {
    return (
      value !== null &&
      typeof value === 'object' &&
      (value as { [MANAGER_BRAND]?: unknown })[MANAGER_BRAND] === true
    );
  }

  /** The cookie name in use (with the `__Host-` prefix by default). */
  readonly cookieName: string;
  /**
   * The anonymous visitor's CSRF cookie: the session cookie's name and attributes with `-csrf`, so a
   * `__Host-` prefix carries over. It holds a signed token and no store record.
   */
  readonly csrfCookieName: string;
  /**
   * What sessions can promise here, detected once: the store's optional methods, and (false in sealed
   * mode, see `sealedCookies()`) atomic updates, read-once flash, listing and revoking a user's sessions.
   */
  readonly capabilities: SessionCapabilities;
  /**
   * Reports a problem outside a request's answer (adapters route their late failures here too): to
   * `onError`, and as an event to `onEvent` (or the default log when neither hook is given).
   */
  readonly report: (error: SessionError) => void;
  readonly #core: ManagerCore;
  /** Sealed-cookie mode (`store: sealedCookies()`), or null for a store. */
  readonly #sealed: SealedContext | null;

  constructor(options: SessionManagerOptions, defaultCrypto: CryptoProvider) {
    this.#core = new ManagerCore(options, defaultCrypto);
    this.#sealed = sealedModeOf(options, this.#core);
    Object.defineProperty(this, MANAGER_BRAND, { value: true });
    this.cookieName = this.#core.cookieName;
    this.csrfCookieName = this.#core.csrfCookieName;
    this.capabilities = sessionCapabilities(options.store, this.#core.capabilities);
    this.report = this.#core.report;
  }

  /** Opens the session of one request. Costs nothing until the session is used. */
  open(request: SessionRequest): SessionHandle<Data> {
    const core = this.#core;
    if (this.#sealed !== null) {
      return new SealedRequestSession<Data>(
        core,
        this.#sealed,
        request.cookie ?? '',
        request.secure === true,
        request.headersSent,
      );
    }
    return new RequestSession<Data>(
      core,
      request.cookie ?? '',
      request.secure === true,
      request.headersSent,
      request.canSetCookie === true,
    );
  }

  /** Lists a user's live sessions (`current` is always false here). */
  listUserSessions(userId: string): Promise<SessionInfo[]> {
    if (this.#sealed !== null) return sealedListUserSessions();
    return this.#core.listFor(userId, null);
  }

  /**
   * Destroys every session of a user; resolves how many. Needs the per-user index; in sealed mode, the
   * revocation store, and resolves -1 (how many cookies that voids cannot be known).
   */
  destroyUserSessions(userId: string): Promise<number> {
    if (this.#sealed !== null) return sealedDestroyUserSessions(this.#sealed, userId);
    return this.#core.revokeFor(userId, null);
  }

  /** Waits for in-flight commits, then closes the store (a client the user passed to it stays open). */
  close(): Promise<void> {
    return this.#core.close();
  }

  /** How the verified-cookie cache did: hits and misses since the manager was built. */
  get verifiedCookieCacheStats(): { readonly hits: number; readonly misses: number; readonly size: number } {
    return this.#core.verifiedCookieCacheStats;
  }
}
