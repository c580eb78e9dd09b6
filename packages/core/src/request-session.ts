/**
 * The session of one request as handlers and adapters see it: the data API (`get`, `set`, `update`,
 * flash, users, CSRF) on top of request-state.ts (identity, loading) and request-commit.ts (saving).
 * Adapters get it as a `SessionHandle` from `SessionManager.open()`.
 */
import { isLifetime, type Lifetime, MAX_LIFETIME_SECONDS, newRecord } from './codec.ts';
import { SessionError } from './errors.ts';
import { CommittingSession } from './request-commit.ts';
import { copyValue } from './request-state.ts';
import type {
  Session,
  SessionData,
  SessionHandle,
  SessionInfo,
  SessionLifetime,
  SessionLifetimeControl,
  SessionState,
} from './session.ts';
import type { Op } from './write-queue.ts';

export type { Identity, Loaded } from './request-state.ts';

/** The per-request session; adapters see it as a {@link SessionHandle}, handlers as a {@link Session}. */
export class RequestSession<Data extends SessionData>
  extends CommittingSession
  implements Session<Data>, SessionLifetimeControl, SessionHandle<Data>
{
  get session(): Session<Data> {
    return this;
  }

  get idle(): boolean {
    return (
      this._loading === undefined &&
      this._identity === undefined &&
      this._ops.length === 0 &&
      !this._regenerate &&
      !this._destroyed &&
      !this._forceTouch &&
      !this._csrfUsed &&
      !this._committed
    );
  }

  get state(): SessionState {
    if (this._destroyed && this._ops.length === 0) return 'destroyed';
    return this._ops.length > 0 || this._regenerate || this._destroyed ? 'modified' : 'unmodified';
  }

  // ---- data ----------------------------------------------------------------------------------

  async get<K extends keyof Data & string>(key: K): Promise<Data[K] | undefined> {
    // A copy: mutating what get() answers never changes the stored record or another request's view.
    return copyValue((await this._current()).data.get(key)) as Data[K] | undefined;
  }

  async has(key: keyof Data & string): Promise<boolean> {
    return (await this._current()).data.has(key);
  }

  async all(): Promise<Partial<Data>> {
    const entries = Array.from((await this._current()).data, ([key, value]) => [key, copyValue(value)]);
    return Object.fromEntries(entries) as Partial<Data>;
  }

  set<K extends keyof Data & string>(key: K, value: Data[K]): void {
    if (value === undefined) {
      this.delete(key);
      return;
    }
    this._apply((record) => {
      record.data.set(key, value);
    });
  }

  delete(key: keyof Data & string): void {
    this._apply((record) => {
      record.data.delete(key);
    });
  }

  clear(): void {
    this._apply((record) => {
      record.data.clear();
    });
  }

  async update<K extends keyof Data & string>(
    key: K,
    fn: (current: Data[K] | undefined) => Data[K],
  ): Promise<Data[K]> {
    const m = this._m;
    await this._load();
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
    const base = this._base;
    if (base !== null) {
      // A stored session: write now, with the store's compare-and-set (fn re-run on a conflict), so the
      // answer is the value the store accepted. Waiting for the response's commit instead would deadlock
      // (handlers await update() before they respond) and would answer a value computed on a stale copy.
      const outcome = await m.track(m.update(base.identity.key, [op], base, false));
      if (outcome !== null) {
        // The stored state is the new base; this request's other pending changes stay on top of it.
        if (this._base === base) {
          // A load that moved the expiry (getAndTouch) still owes the cookie its refresh at commit.
          this._base = { identity: base.identity, ...outcome, ...(base.touched ? { touched: true } : {}) };
          this._rebuildAfterCommit();
        }
        // This update's own result: a coalesced batch wrote several updates of the key in one go, each
        // on top of the one before, and the stored record holds the last of them.
        return seen!.output;
      }
      // Destroyed or regenerated elsewhere meanwhile: never bring it back. What follows is a new session.
      m.report(
        new SessionError('SESSION_WRITE_DROPPED', 'An update of a session destroyed meanwhile was dropped.'),
      );
      if (this._base === base) {
        this._base = null;
        this._rebuildAfterCommit();
      }
      // No refreshed cookie for it either: it would overwrite the one the other request set.
      if (this._touchOwed?.identity.key === base.identity.key) this._touchOwed = null;
    }
    // No stored session yet: the change is created with the session at commit, insert-only.
    this._apply(op);
    return this._view!.data.get(key) as Data[K];
  }

  flash(key: string, value: unknown): void {
    this._apply((record) => {
      const queue = record.flash.get(key);
      if (queue) queue.push(value);
      else record.flash.set(key, [value]);
    });
  }

  async consumeFlash(key: string): Promise<unknown[]> {
    const view = await this._current();
    const values = view.flash.get(key);
    if (values === undefined || values.length === 0) return [];
    // Remove only what was read: a value queued meanwhile by another request stays for the next read.
    const count = values.length;
    const read = copyValue(values) as unknown[];
    this._apply((record) => {
      const rest = record.flash.get(key)?.slice(count) ?? [];
      if (rest.length > 0) record.flash.set(key, rest);
      else record.flash.delete(key);
    });
    return read;
  }

  async getUser(): Promise<string | null> {
    return (await this._current()).userId;
  }

  setUser(userId: string | null): void {
    if (userId !== null && (typeof userId !== 'string' || userId.length === 0)) {
      throw new SessionError('SESSION_USAGE', 'setUser() takes a non-empty string or null.', { status: 500 });
    }
    this._apply((record) => {
      record.userId = userId;
    });
  }

  regenerate(): void {
    this._regenerate = true;
    // The CSRF token changes with the id (THREATS.md, Lifecycle): a token learned before sign-in is void.
    // A token asked for after this call, in this request, is the new session's.
    this._apply((record) => {
      record.csrf = null;
    });
  }

  destroy(): void {
    this._destroyed = true;
    this._regenerate = false;
    this._doomed.push(this._resolveIdentity().then((identity) => identity?.key ?? null));
    // The session this request holds may not be the cookie's: an earlier commit created it (a visitor
    // without a cookie) or regenerated it to a new id. It ends too.
    const held = this._base;
    if (held !== null) {
      this._doomed.push(Promise.resolve(held.identity.key));
      this._destroyedSessions.push(held);
    }
    this._ops = [];
    this._base = null;
    // Reads after destroy see an empty new session.
    this._loading = Promise.resolve(null);
    this._view = newRecord(this._m.now());
  }

  touch(): void {
    this._forceTouch = true;
  }

  setLifetime(lifetime: SessionLifetime | null): void {
    let own: Lifetime | null = null;
    if (lifetime !== null) {
      const { idleTimeout, absoluteTimeout } = (lifetime ?? {}) as Partial<SessionLifetime>;
      if (!isLifetime(idleTimeout, absoluteTimeout)) {
        throw new SessionError(
          'SESSION_USAGE',
          'setLifetime() takes { idleTimeout, absoluteTimeout } in seconds: positive, absoluteTimeout at ' +
            `least idleTimeout and at most ${MAX_LIFETIME_SECONDS} (400 days), or null.`,
          { status: 500 },
        );
      }
      own = { idleMs: idleTimeout! * 1000, absoluteMs: absoluteTimeout! * 1000 };
    }
    this._lifetimeSet = true;
    this._apply((record) => {
      record.lifetime = own;
    });
  }

  async getLifetime(): Promise<SessionLifetime> {
    const m = this._m;
    const own = (await this._current()).lifetime;
    return {
      idleTimeout: (own?.idleMs ?? m.idleMs) / 1000,
      absoluteTimeout: (own?.absoluteMs ?? m.absoluteMs) / 1000,
    };
  }

  async exists(): Promise<boolean> {
    return (await this._load()) !== null;
  }

  async createdAt(): Promise<Date | null> {
    const loaded = await this._load();
    return loaded ? new Date(loaded.record.createdAt) : null;
  }

  async logId(): Promise<string | null> {
    const loaded = await this._load();
    return loaded ? loaded.identity.key.slice(0, 16) : null;
  }

  async listSessions(): Promise<SessionInfo[]> {
    const view = await this._current();
    if (view.userId === null) return [];
    return this._m.listFor(view.userId, this._base?.identity.key ?? null);
  }

  async revokeOtherSessions(): Promise<number> {
    const view = await this._current();
    if (view.userId === null) return 0;
    return this._m.revokeFor(view.userId, this._base?.identity.key ?? null);
  }

  async csrfToken(): Promise<string> {
    this._csrfUsed = true;
    const view = await this._current();
    if (view.csrf !== null) return view.csrf;
    if (this._base === null && !this._regenerate) {
      // An anonymous visitor: the token lives in a signed cookie of its own, not in a store record, so a
      // page that renders a form for every visitor writes nothing (THREATS.md, Lifecycle).
      const carried = await this._anonymousToken();
      if (carried !== null) return carried;
      this._anonymousIssued ??= this._m.crypto.randomToken(32);
      return this._anonymousIssued;
    }
    const token = this._m.crypto.randomToken(32);
    this._apply((record) => {
      record.csrf ??= token;
    });
    return view.csrf ?? token;
  }

  async verifyCsrfToken(token: unknown): Promise<boolean> {
    this._csrfUsed = true;
    let expected = (await this._current()).csrf;
    // Without a stored session, the anonymous cookie's token; once a session is stored, only its own.
    if (expected === null && this._base === null)
      expected = this._anonymousIssued ?? (await this._anonymousToken());
    if (expected === null || typeof token !== 'string' || token.length !== expected.length) return false;
    let difference = 0;
    for (let i = 0; i < expected.length; i++) difference |= expected.charCodeAt(i) ^ token.charCodeAt(i);
    return difference === 0;
  }

  async save(): Promise<void> {
    await this.commit({ cookies: this._headersSent?.() !== true });
  }
}
