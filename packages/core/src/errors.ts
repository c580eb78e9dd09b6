/**
 * Stable error codes. Match on `code`, never on `message`.
 */
export type SessionErrorCode =
  /** Bad options: thrown when the manager or middleware is built. */
  | 'SESSION_CONFIG'
  /** The store failed or timed out; adapters answer 503. */
  | 'SESSION_STORE'
  /** A stored record could not be decoded; the request continues with a fresh session. */
  | 'SESSION_CORRUPT_RECORD'
  /** Several cookies of our name verified to different ids (cookie tossing); the request has no session. */
  | 'SESSION_COOKIE_TOSSING'
  /** A write lost to a destroy or regenerate of the same session and was dropped. */
  | 'SESSION_WRITE_DROPPED'
  /** Compare-and-set kept conflicting after the bounded retries. */
  | 'SESSION_CONFLICT'
  /** The encoded session exceeds `maxPayloadBytes`. */
  | 'SESSION_PAYLOAD_TOO_LARGE'
  /** A write needs a cookie change where the response cannot carry one (its head was sent, or it is read-only). */
  | 'SESSION_COOKIE_READONLY'
  /** The session was used after the response committed it, or the API was misused. */
  | 'SESSION_USAGE'
  /** A CSRF check failed; adapters answer 403. */
  | 'SESSION_CSRF';

/** Options shared by every {@link SessionError}. */
export interface SessionErrorOptions {
  /** The underlying error, already redacted. */
  cause?: unknown;
  /** HTTP status an adapter should answer with. */
  status?: number;
}

/**
 * The brand every Cloakroom error carries, the same in every copy of this package (`Symbol.for`), so
 * `instanceof` works even when an app ends up with two copies of core: its value is the class's name.
 */
const ERROR_BRAND: unique symbol = Symbol.for('@cloakroom/session-core:error') as never;

function branded(value: unknown, names: readonly string[]): boolean {
  if (value === null || typeof value !== 'object') return false;
  const brand = (value as { [ERROR_BRAND]?: unknown })[ERROR_BRAND];
  return typeof brand === 'string' && names.includes(brand);
}

/**
 * Base class of every error Cloakroom throws or reports. `status` is the HTTP status an adapter answers
 * with; `expose` is false for server-side faults so frameworks never show the message to the client.
 */
export class SessionError extends Error {
  /** Stable machine-readable code. */
  readonly code: SessionErrorCode;
  /** HTTP status for adapters (Koa and Express error handlers read `status`). */
  readonly status: number;
  /** Whether the message may be shown to the client (Koa's convention). */
  readonly expose: boolean;

  constructor(code: SessionErrorCode, message: string, options: SessionErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SessionError';
    this.code = code;
    this.status = options.status ?? 500;
    this.expose = this.status < 500;
    Object.defineProperty(this, ERROR_BRAND, { value: 'SessionError', writable: true });
  }

  /** By brand, not by prototype: an error from another copy of core is one too. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return branded(value, ['SessionError', 'SessionStoreError']);
  }
}

/**
 * A store backend failed (down, timed out, refused). Adapters turn it into a 503 without leaking the
 * cause. The cause is a redacted copy of the client's error: see {@link redactError}.
 */
export class SessionStoreError extends SessionError {
  /** The store operation that failed, such as `get` or `compareAndSet`. */
  readonly operation: string;

  constructor(operation: string, message: string, cause?: unknown) {
    super('SESSION_STORE', message, {
      cause: cause === undefined ? undefined : redactError(cause),
      status: 503,
    });
    this.name = 'SessionStoreError';
    this.operation = operation;
    Object.defineProperty(this, ERROR_BRAND, { value: 'SessionStoreError' });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return branded(value, ['SessionStoreError']);
  }

  /**
   * Wraps any error a store client threw. A `SessionStoreError` passes through unchanged.
   * @example
   * try { await client.get(key) } catch (error) { throw SessionStoreError.from('get', error) }
   */
  static from(operation: string, error: unknown): SessionStoreError {
    if (error instanceof SessionStoreError) return error;
    return new SessionStoreError(operation, `Session store ${operation} failed`, error);
  }
}

/** Fields of a client error that carry no payload, SQL or secrets. */
const SAFE_FIELDS = ['code', 'errno', 'syscall', 'severity', 'routine'] as const;
const MAX_MESSAGE = 300;

/**
 * Copies an error keeping only what is safe to log: its name, a shortened message and codes.
 * Store clients attach command arguments (ioredis), SQL with values (mysql2 `sql`), row details
 * (pg `detail`) or connection strings; none of them survive.
 */
export function redactError(error: unknown): Error {
  if (!(error instanceof Error))
    return new Error(typeof error === 'string' ? error.slice(0, MAX_MESSAGE) : 'Unknown error');
  const copy = new Error(scrubMessage(error.message));
  copy.name = error.name;
  const source = error as unknown as Record<string, unknown>;
  const target = copy as unknown as Record<string, unknown>;
  for (const field of SAFE_FIELDS) {
    const value = source[field];
    if (typeof value === 'string' || typeof value === 'number') target[field] = value;
  }
  // Only the client's own stack frames, no message repeated in it.
  copy.stack = `${copy.name}: ${copy.message}`;
  return copy;
}

function scrubMessage(message: string): string {
  // Connection strings may carry passwords: drop user-info from any URL. Quoted text is where drivers
  // echo values (mysql2 "near '…'", pg "invalid input syntax for type json: \"…\""): everything from
  // the first quote on is dropped (quotes inside values make finer cuts unreliable).
  const noCredentials = message
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^@/\s]*@/gi, '$1***@')
    .replace(/['"`][\s\S]*$/, '…');
  return noCredentials.length > MAX_MESSAGE ? `${noCredentials.slice(0, MAX_MESSAGE)}…` : noCredentials;
}

/** Builds a configuration error with the package prefix and what to change. */
export function configError(message: string): SessionError {
  return new SessionError('SESSION_CONFIG', `@cloakroom/session-core: ${message}`);
}
