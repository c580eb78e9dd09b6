import {
  ForwardingSession,
  type Session,
  type SessionData,
  SessionError,
  type SessionLifetime,
} from '@cloakroom/session-core';

/**
 * The error a Server Component gets for a write that would need a new `Set-Cookie`: a new session,
 * `regenerate()`, `destroy()` or `setLifetime()`. Next.js lets only Server Actions and Route Handlers set cookies.
 */
export function cookieReadonlyError(what: string): SessionError {
  return new SessionError(
    'SESSION_COOKIE_READONLY',
    `@cloakroom/session-next: ${what} needs to set the session cookie, and a Server Component cannot set ` +
      'cookies (Next.js allows that only in Server Actions and Route Handlers). Do it in a Server Action ' +
      '(wrapped in action(), or with getWritableSession() and await session.save()) or in a Route Handler ' +
      '(withSession()). A Server Component may read, consume flash messages and change a session that ' +
      'already exists.',
  );
}

/**
 * The session where the response can carry a cookie: `save()` commits and puts the cookie where this
 * kind of request needs it (Next's cookie jar, the Pages Router response, or the Route Handler's Response).
 */
export class WritableSession<Data extends SessionData> extends ForwardingSession<Data> {
  readonly #commit: () => Promise<void>;

  constructor(inner: Session<Data>, commit: () => Promise<void>) {
    super(inner);
    this.#commit = commit;
  }

  override save(): Promise<void> {
    return this.#commit();
  }
}

/**
 * The session of a Server Component. It is loaded before it is handed out, so a write that would need a
 * cookie throws at the call, synchronously, with {@link cookieReadonlyError}: any write when no session
 * exists; `regenerate()`, `destroy()` and `setLifetime()` (the cookie's Max-Age follows the lifetime)
 * always. Other writes (flash consumed, a value changed on an existing session) are saved without a
 * cookie, after the response or by `save()`; a touch waits for a response that can refresh the cookie
 * (the proxy).
 */
export class ReadOnlySession<Data extends SessionData> extends ForwardingSession<Data> {
  readonly #commit: () => Promise<void>;
  #stored = false;

  constructor(inner: Session<Data>, commit: () => Promise<void>) {
    super(inner);
    this.#commit = commit;
  }

  /** Loads the session (once per request) and records whether one is stored. */
  async load(): Promise<this> {
    this.#stored = await this.inner.exists();
    return this;
  }

  #needsStored(what: string): void {
    if (!this.#stored) throw cookieReadonlyError(`${what} without a session (starting one)`);
  }

  override set<K extends keyof Data & string>(key: K, value: Data[K]): void {
    this.#needsStored('session.set()');
    super.set(key, value);
  }
  override delete(key: keyof Data & string): void {
    this.#needsStored('session.delete()');
    super.delete(key);
  }
  override clear(): void {
    this.#needsStored('session.clear()');
    super.clear();
  }
  override async update<K extends keyof Data & string>(
    key: K,
    fn: (current: Data[K] | undefined) => Data[K],
  ): Promise<Data[K]> {
    this.#needsStored('session.update()');
    return super.update(key, fn);
  }
  override flash(key: string, value: unknown): void {
    this.#needsStored('session.flash()');
    super.flash(key, value);
  }
  override setUser(userId: string | null): void {
    this.#needsStored('session.setUser()');
    super.setUser(userId);
  }
  override regenerate(): void {
    throw cookieReadonlyError('session.regenerate()');
  }
  override destroy(): void {
    throw cookieReadonlyError('session.destroy()');
  }
  override setLifetime(_lifetime: SessionLifetime | null): void {
    throw cookieReadonlyError('session.setLifetime()');
  }
  override async csrfToken(): Promise<string> {
    this.#needsStored('session.csrfToken()');
    return super.csrfToken();
  }
  override save(): Promise<void> {
    return this.#commit();
  }
}
