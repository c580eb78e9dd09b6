import type { Session, SessionData, SessionInfo, SessionLifetime, SessionState } from './session.ts';

/**
 * A session whose failing reads reject with what `map` makes of the error, so store failures reach a
 * framework's own error path (Hono's `HTTPException`, Nest's `ServiceUnavailableException`) without the
 * adapter re-implementing the session API.
 * @example
 * c.set('session', mapSessionErrors(handle.session, (error) => new HTTPException(503, { cause: error })));
 */
export function mapSessionErrors<Data extends SessionData>(
  session: Session<Data>,
  map: (error: unknown) => unknown,
): Session<Data> {
  return new MappedSession(session, map);
}

/**
 * A session that forwards every member to another one: the base for wrappers that change one thing
 * (how errors surface, what saving means), so the session API is written out once. Every promise passes
 * through {@link ForwardingSession.guard}.
 * @example
 * class Logged<Data extends SessionData> extends ForwardingSession<Data> {
 *   protected override guard<T>(promise: Promise<T>): Promise<T> {
 *     return promise.catch((error) => { log(error); throw error; });
 *   }
 * }
 */
export class ForwardingSession<Data extends SessionData = SessionData> implements Session<Data> {
  /** The session every call goes to. */
  protected readonly inner: Session<Data>;

  constructor(inner: Session<Data>) {
    this.inner = inner;
  }

  /** Every promise the session returns passes through here; the default hands it on unchanged. */
  protected guard<T>(promise: Promise<T>): Promise<T> {
    return promise;
  }

  get state(): SessionState {
    return this.inner.state;
  }
  get<K extends keyof Data & string>(key: K): Promise<Data[K] | undefined> {
    return this.guard(this.inner.get(key));
  }
  has(key: keyof Data & string): Promise<boolean> {
    return this.guard(this.inner.has(key));
  }
  all(): Promise<Partial<Data>> {
    return this.guard(this.inner.all());
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
    return this.guard(this.inner.update(key, fn));
  }
  flash(key: string, value: unknown): void {
    this.inner.flash(key, value);
  }
  consumeFlash(key: string): Promise<unknown[]> {
    return this.guard(this.inner.consumeFlash(key));
  }
  getUser(): Promise<string | null> {
    return this.guard(this.inner.getUser());
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
    return this.guard(this.inner.exists());
  }
  createdAt(): Promise<Date | null> {
    return this.guard(this.inner.createdAt());
  }
  logId(): Promise<string | null> {
    return this.guard(this.inner.logId());
  }
  listSessions(): Promise<SessionInfo[]> {
    return this.guard(this.inner.listSessions());
  }
  revokeOtherSessions(): Promise<number> {
    return this.guard(this.inner.revokeOtherSessions());
  }
  csrfToken(): Promise<string> {
    return this.guard(this.inner.csrfToken());
  }
  verifyCsrfToken(token: unknown): Promise<boolean> {
    return this.guard(this.inner.verifyCsrfToken(token));
  }
  save(): Promise<void> {
    return this.guard(this.inner.save());
  }
  setLifetime(lifetime: SessionLifetime | null): void {
    this.inner.setLifetime(lifetime);
  }
  getLifetime(): Promise<SessionLifetime> {
    return this.guard(this.inner.getLifetime());
  }
}

class MappedSession<Data extends SessionData> extends ForwardingSession<Data> {
  readonly #map: (error: unknown) => unknown;

  constructor(inner: Session<Data>, map: (error: unknown) => unknown) {
    super(inner);
    this.#map = map;
  }

  protected override async guard<T>(promise: Promise<T>): Promise<T> {
    try {
      return await promise;
    } catch (error) {
      throw this.#map(error);
    }
  }
}
