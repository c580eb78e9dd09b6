import type { Session, SessionData, SessionInfo, SessionState } from '@cloakroom/session-core';
import { SessionError } from '@cloakroom/session-core';
import { logFailure, toHttpException } from './errors.ts';

/**
 * A store failure leaves the session as Nest's `ServiceUnavailableException` (503, the original error as
 * its `cause`), so every exception filter, a catch-all one included, sees an HTTP exception rather than an
 * unknown error it would answer with 500. Other errors pass unchanged.
 */
async function guard<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof SessionError && error.status === 503) {
      logFailure(error);
      throw toHttpException(error);
    }
    throw error;
  }
}

/** The session handlers see: core's session, with store failures raised as Nest exceptions. */
export class NestSession<Data extends SessionData = SessionData> implements Session<Data> {
  readonly #inner: Session<Data>;

  constructor(inner: Session<Data>) {
    this.#inner = inner;
  }

  get state(): SessionState {
    return this.#inner.state;
  }

  get<K extends keyof Data & string>(key: K): Promise<Data[K] | undefined> {
    return guard(this.#inner.get(key));
  }

  has(key: keyof Data & string): Promise<boolean> {
    return guard(this.#inner.has(key));
  }

  all(): Promise<Partial<Data>> {
    return guard(this.#inner.all());
  }

  set<K extends keyof Data & string>(key: K, value: Data[K]): void {
    this.#inner.set(key, value);
  }

  delete(key: keyof Data & string): void {
    this.#inner.delete(key);
  }

  clear(): void {
    this.#inner.clear();
  }

  update<K extends keyof Data & string>(
    key: K,
    fn: (current: Data[K] | undefined) => Data[K],
  ): Promise<Data[K]> {
    return guard(this.#inner.update(key, fn));
  }

  flash(key: string, value: unknown): void {
    this.#inner.flash(key, value);
  }

  consumeFlash(key: string): Promise<unknown[]> {
    return guard(this.#inner.consumeFlash(key));
  }

  getUser(): Promise<string | null> {
    return guard(this.#inner.getUser());
  }

  setUser(userId: string | null): void {
    this.#inner.setUser(userId);
  }

  regenerate(): void {
    this.#inner.regenerate();
  }

  destroy(): void {
    this.#inner.destroy();
  }

  touch(): void {
    this.#inner.touch();
  }

  exists(): Promise<boolean> {
    return guard(this.#inner.exists());
  }

  createdAt(): Promise<Date | null> {
    return guard(this.#inner.createdAt());
  }

  logId(): Promise<string | null> {
    return guard(this.#inner.logId());
  }

  listSessions(): Promise<SessionInfo[]> {
    return guard(this.#inner.listSessions());
  }

  revokeOtherSessions(): Promise<number> {
    return guard(this.#inner.revokeOtherSessions());
  }

  csrfToken(): Promise<string> {
    return guard(this.#inner.csrfToken());
  }

  verifyCsrfToken(token: unknown): Promise<boolean> {
    return guard(this.#inner.verifyCsrfToken(token));
  }

  save(): Promise<void> {
    return guard(this.#inner.save());
  }
}
