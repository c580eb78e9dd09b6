import {
  type Session,
  type SessionData,
  SessionError,
  type SessionInfo,
  type SessionState,
} from '@cloakroom/session-core';

/**
 * The error a Server Component gets for a write that would need a new `Set-Cookie`: a new session,
 * `regenerate()` or `destroy()`. Next.js lets only Server Actions and Route Handlers set cookies.
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

/** Forwards every call to core's session; subclasses change what saving means. */
class SessionView<Data extends SessionData> implements Session<Data> {
  protected readonly inner: Session<Data>;

  constructor(inner: Session<Data>) {
    this.inner = inner;
  }

  get state(): SessionState {
    return this.inner.state;
  }
  get<K extends keyof Data & string>(key: K): Promise<Data[K] | undefined> {
    return this.inner.get(key);
  }
  has(key: keyof Data & string): Promise<boolean> {
    return this.inner.has(key);
  }
  all(): Promise<Partial<Data>> {
    return this.inner.all();
  }
  set<K extends keyof Data & string>(key: K, value: Data[K]): void {
    this.inner.set(key, value);
  }
  delete(key: keyof Data & string): void {
    this.inner.delete(key);
  }
  clear(): void {
    this.inner.clear();
  }
  update<K extends keyof Data & string>(
    key: K,
    fn: (current: Data[K] | undefined) => Data[K],
  ): Promise<Data[K]> {
    return this.inner.update(key, fn);
  }
  flash(key: string, value: unknown): void {
    this.inner.flash(key, value);
  }
  consumeFlash(key: string): Promise<unknown[]> {
    return this.inner.consumeFlash(key);
  }
  getUser(): Promise<string | null> {
    return this.inner.getUser();
  }
  setUser(userId: string | null): void {
    this.inner.setUser(userId);
  }
  regenerate(): void {
    this.inner.regenerate();
  }
  destroy(): void {
    this.inner.destroy();
  }
  touch(): void {
    this.inner.touch();
  }
  exists(): Promise<boolean> {
    return this.inner.exists();
  }
  createdAt(): Promise<Date | null> {
    return this.inner.createdAt();
  }
  logId(): Promise<string | null> {
    return this.inner.logId();
  }
  listSessions(): Promise<SessionInfo[]> {
    return this.inner.listSessions();
  }
  revokeOtherSessions(): Promise<number> {
    return this.inner.revokeOtherSessions();
  }
  csrfToken(): Promise<string> {
    return this.inner.csrfToken();
  }
  verifyCsrfToken(token: unknown): Promise<boolean> {
    return this.inner.verifyCsrfToken(token);
  }
  save(): Promise<void> {
    return this.inner.save();
  }
}

/**
 * The session where the response can carry a cookie: `save()` commits and puts the cookie where this
 * kind of request needs it (Next's cookie jar, the Pages Router response, or the Route Handler's Response).
 */
export class WritableSession<Data extends SessionData> extends SessionView<Data> {
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
 * exists, `regenerate()` and `destroy()` always. Other writes (flash consumed, a value changed on an
 * existing session) are saved without a cookie, after the response or by `save()`; a touch waits for a
 * response that can refresh the cookie (the proxy).
 */
export class ReadOnlySession<Data extends SessionData> extends SessionView<Data> {
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
  override async csrfToken(): Promise<string> {
    this.#needsStored('session.csrfToken()');
    return super.csrfToken();
  }
  override save(): Promise<void> {
    return this.#commit();
  }
}
