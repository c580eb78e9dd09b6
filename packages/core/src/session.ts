/**
 * The session API's public types: the options of a manager, what an adapter passes in and gets back, and
 * the `Session` a handler uses. Implemented by `SessionManager` (manager.ts) and its per-request session
 * (request-session.ts).
 */
import type { SessionCodec } from './codec.ts';
import type { CookieOptions } from './cookie.ts';
import type { CryptoProvider } from './crypto.ts';
import type { SessionError } from './errors.ts';
import type { SessionEvent } from './events.ts';
import type { AnySessionStore } from './store.ts';

/** Session data: a record of JSON-serializable values, keyed by name. */
export type SessionData = Record<string, unknown>;

/** Options of {@link createSessionManager}. Times are in seconds. */
export interface SessionManagerOptions {
  /**
   * Where sessions live. Use a shared store (Redis, Memcached, SQL) when more than one process serves
   * requests, or `sealedCookies()` to keep each session sealed in its cookie, with no store (see
   * `SessionCapabilities` for what that mode cannot keep).
   */
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
   * event carries a session id or payload. @default `logSessionEvent` (one line per problem)
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
  /**
   * Whether this handle's response is committed with cookies (`commit()` without `cookies: false`) while
   * its head is not out yet, as in an ordinary request handler. Then, on a store with `getAndTouch`, a
   * read that is due for a touch moves the expiry in the same store call (one round trip) and the commit
   * refreshes the cookie. Leave it unset where the session may be read for a response that cannot carry
   * a cookie (a Next.js Server Component, a WebSocket handshake): moving the stored expiry without the
   * cookie would let an active user's cookie lapse before its record. The touch then happens at commit,
   * as a store call of its own, only when the response can carry the cookie.
   * @default false
   */
  canSetCookie?: boolean;
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
  /**
   * A copy of that session's values (what it holds, such as the device it signed in from). Only the
   * user's own sessions are listed, so a user sees their own data.
   */
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * A session's own lifetime ("remember me"), in seconds, like the manager's `idleTimeout` and
 * `absoluteTimeout`. Each is a positive number, `absoluteTimeout` at least `idleTimeout` and at most
 * 400 days (34 560 000 s: browsers keep no cookie longer, RFC 6265bis).
 */
export interface SessionLifetime {
  /** Seconds without a request before the session ends (sliding). */
  readonly idleTimeout: number;
  /** Seconds after the session's creation when it ends however active it is. */
  readonly absoluteTimeout: number;
}

/** A session's own lifetime: the methods {@link Session} has for "remember me". */
export interface SessionLifetimeControl {
  /**
   * Gives this session a lifetime of its own ("remember me": a longer idle and absolute window; a
   * shorter one works too), or back the manager's with `null`. Saved with the session at commit: the
   * stored expiry moves to `idleTimeout` from now and the cookie's Max-Age follows (a session with a
   * lifetime of its own always gets a persistent cookie, even with `cookie.maxAge: 'session'`). The
   * absolute timeout counts from the session's creation, as the manager's does; the lifetime survives
   * `regenerate()` and ends with `destroy()`. The touch interval scales with the idle timeout.
   * @throws SessionError SESSION_USAGE when a timeout is not a positive number, `absoluteTimeout` is
   *   below `idleTimeout`, or above 400 days; at commit, SESSION_COOKIE_READONLY when the response can no
   *   longer carry the cookie.
   * @example
   * session.regenerate();
   * session.setUser(user.id);
   * if (rememberMe) session.setLifetime({ idleTimeout: 30 * 86_400, absoluteTimeout: 90 * 86_400 });
   */
  setLifetime(lifetime: SessionLifetime | null): void;
  /** The session's lifetime: its own (setLifetime) or the manager's timeouts, in seconds. */
  getLifetime(): Promise<SessionLifetime>;
}

/** The state core decided for the session; adapters never guess it. */
export type SessionState = 'unmodified' | 'modified' | 'destroyed';

/**
 * The session of one request. Data and methods stay apart: values are read with `get` and written with
 * `set`, so a stored key such as `save` or `__proto__` can never shadow a method or a prototype.
 * Reads are lazy and share one store load; writes are recorded and saved when the response is committed.
 */
export interface Session<Data extends SessionData = SessionData> extends SessionLifetimeControl {
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
  /**
   * The commit, synchronously, when it has nothing to write and nothing to sign (a read whose touch is
   * not due, the common case): what {@link SessionHandle.commit} would answer, with no async hop, so a
   * response held for the commit can leave at once. `undefined` when there is work: call `commit()`.
   */
  commitNow?(options?: CommitOptions): CommitResult | undefined;
  commit(options?: CommitOptions): Promise<CommitResult>;
}
