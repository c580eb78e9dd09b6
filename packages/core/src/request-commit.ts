/**
 * Saving one request's session: what a commit takes from the pending changes, the store writes it makes
 * (create insert-only, compare-and-set updates through the manager's write queue, all-or-nothing
 * regenerate, touch), and the headers it answers. request-session.ts adds the API on top.
 */
import type { SessionRecord } from './codec.ts';
import { newRecord } from './codec.ts';
import { serializeCookie } from './cookie.ts';
import { SessionError, SessionStoreError } from './errors.ts';
import {
  CACHE_HEADERS,
  type Created,
  ID_BYTES,
  isEmpty,
  type Loaded,
  NO_HEADERS,
  RequestState,
  replay,
  type Taken,
  VARY_ONLY,
} from './request-state.ts';
import type { CommitOptions, CommitResult } from './session.ts';

/** The commit of one request's session (see the module comment). */
export abstract class CommittingSession extends RequestState {
  // ---- commit --------------------------------------------------------------------------------

  commit(options: CommitOptions = {}): Promise<CommitResult> {
    this._committed = true;
    const run = this._commitTail.then(() => this._commitOnce(options));
    this._commitTail = run.catch(() => undefined);
    return this._m.track(run);
  }

  /**
   * The commit, synchronously, when it has nothing to write and nothing to sign: the first commit of a
   * loaded session with no change, no touch due, no cookie to re-issue or refresh and no CSRF cookie to
   * settle (the common read). `undefined` when there is work: then `commit()`. What it answers is what
   * `commit()` would have answered.
   */
  commitNow(options: CommitOptions = {}): CommitResult | undefined {
    if (
      this._committed ||
      !this._loadSettled ||
      (options.status !== undefined && options.status >= 500) ||
      this._hasPending() ||
      this._touchOwed !== null ||
      this._csrfUsed ||
      this._hadAnonymousCookie ||
      this._anonymousIssued !== null
    ) {
      return undefined;
    }
    const loaded = this._base;
    if (loaded !== null && (options.cookies ?? true)) {
      if (loaded.identity.reissue || this._touchDue(loaded, this._m.now(), false)) return undefined;
    }
    this._committed = true;
    if (this._headers.length === 0) this._headers = VARY_ONLY;
    return this._result();
  }

  /** Whether changes or deletes wait for a commit. */
  protected _hasPending(): boolean {
    return (
      this._ops.length > 0 ||
      this._regenerate ||
      this._forceTouch ||
      this._lifetimeSet ||
      this._destroyed ||
      this._doomed.length > 0 ||
      this._destroyedSessions.length > 0 ||
      this._expired.length > 0
    );
  }

  /** What a commit saves, taken: the pending changes are left empty (`destroyed` stays for `_save`). */
  protected _takePending(): Taken {
    const taken: Taken = {
      ops: this._ops,
      regenerate: this._regenerate,
      forceTouch: this._forceTouch,
      lifetime: this._lifetimeSet,
      doomed: this._doomed,
      destroyedSessions: this._destroyedSessions,
      expired: this._expired,
      destroyed: this._destroyed,
    };
    this._ops = [];
    this._regenerate = false;
    this._forceTouch = false;
    this._lifetimeSet = false;
    this._doomed = [];
    this._destroyedSessions = [];
    this._expired = [];
    return taken;
  }

  protected async _commitOnce(options: CommitOptions): Promise<CommitResult> {
    if (options.status !== undefined && options.status >= 500) {
      // The handler failed half-way: nothing of this request is saved, and nothing stays pending (expired
      // records found on load are still removed by a later commit).
      this._expired = [...this._takePending().expired];
      this._destroyed = false;
      if (this._loading !== undefined) this._rebuildView();
      // Only a refresh the store already made goes out: the cookie follows the expiry that moved.
      const owed = this._touchOwed;
      if (owed !== null && options.cookies !== false) {
        this._touchOwed = null;
        await this._setSessionCookie(owed.identity.id, owed.record, this._m.now());
      }
      return this._result();
    }
    const cookies = options.cookies ?? true;
    if (!cookies && this._destroyed) this._readonly('destroy()');
    // Take what this commit saves. Changes made while it runs stay pending for the next commit; if it
    // fails, what it took is put back in front of them.
    const taken = this._takePending();
    const hadBase = this._base;
    try {
      await this._save(taken, cookies);
      // A destroy that leaves no session expires the cookie: the one the request carried, or one an
      // earlier commit of this request set (a session it created or regenerated), in either mode.
      if (
        taken.destroyed &&
        taken.ops.length === 0 &&
        this._base === null &&
        (this._hadCookie || this._setCookie !== null)
      ) {
        this._clearSessionCookie();
      }
      // The cookie of a load that moved the expiry went out with this commit (or the session is gone).
      if (cookies) this._touchOwed = null;
      const created = hadBase === null && this._base !== null;
      await this._settleCsrfCookie(cookies, created || taken.regenerate);
    } catch (error) {
      this._ops = [...taken.ops, ...this._ops];
      this._regenerate ||= taken.regenerate;
      this._forceTouch ||= taken.forceTouch;
      this._lifetimeSet ||= taken.lifetime;
      this._doomed = [...taken.doomed, ...this._doomed];
      this._destroyedSessions = [...taken.destroyedSessions, ...this._destroyedSessions];
      if (this._loading !== undefined) this._rebuildView();
      throw error;
    }
    return this._result();
  }

  protected async _save(taken: Taken, cookies: boolean): Promise<void> {
    const m = this._m;
    const now = m.now();

    // Expired records found on load: removed best-effort, a failure only reported (the read succeeded).
    for (const key of taken.expired) {
      await m.deleteKey(key).catch((error: unknown) => m.report(SessionStoreError.from('delete', error)));
    }
    // Destroy: delete, then expire the cookie unless a new session follows.
    if (taken.doomed.length > 0) {
      // The cookie's id and the ids of sessions this request held (often the same key).
      const keys = new Set(await Promise.all(taken.doomed));
      for (const key of keys) if (key !== null) await m.deleteKey(key);
      // Unless destroy() ran again meanwhile, what follows is a new session ('unmodified' until written).
      if (this._doomed.length === 0) this._destroyed = false;
    }

    if (taken.ops.length === 0 && !taken.regenerate) {
      if (this._loading === undefined && !taken.forceTouch) return;
      const loaded = await this._load();
      if (loaded !== null) await this._touchIfDue(loaded, now, cookies, taken.forceTouch);
      if (this._headers.length === 0) this._headers = VARY_ONLY;
      return;
    }

    const loaded = await this._load();
    if (loaded === null) {
      const record = replay(newRecord(now), taken.ops);
      // A new session left empty (delete, clear, regenerate on nothing): nothing to save, no cookie, so
      // a flood of such requests writes nothing.
      if (isEmpty(record)) return;
      // A fresh id, never one the client chose, created insert-only.
      if (!cookies) this._readonly('starting a new session');
      // The anonymous visitor's CSRF token carries into the session on its first write, so forms
      // rendered before it still post; a sign-in (regenerate) starts with a new token instead.
      if (record.csrf === null && !taken.regenerate) {
        record.csrf = this._anonymousIssued ?? (await this._anonymousToken());
      }
      await this._createNew(record, now);
      if (record.userId !== null) await m.enforceUserCap(record.userId, this._base!.identity.key);
    } else if (taken.regenerate) {
      if (!cookies) this._readonly('regenerate()');
      await this._regenerateFrom(loaded, taken, now);
    } else {
      // A new lifetime changes the cookie's Max-Age and the stored expiry together.
      if (!cookies && taken.lifetime) this._readonly('setLifetime()');
      await this._update(loaded, taken, now, cookies);
    }
  }

  /**
   * Moves the session to a new id: the old id stops working at once, or nothing changes. A source record
   * destroyed or expired meanwhile (a sign-out, "sign out everywhere") is never revived under a new id:
   * the regenerate is dropped, reported, and only the clearing cookie goes out.
   */
  protected async _regenerateFrom(loaded: Loaded, taken: Taken, now: number): Promise<void> {
    const m = this._m;
    const oldKey = loaded.identity.key;
    // Copy the newest data, not what this request loaded: a parallel write may have landed since.
    const source = await this._live(oldKey, now);
    if (source === null) {
      this._dropRegenerate();
      return;
    }
    // The absolute timeout keeps counting from the original creation: rotating ids never extends it.
    const record = replay(source, taken.ops);
    const created = await this._insertNew(record, now);
    try {
      // A destroy that landed while the copy was made wins: undo the copy rather than revive the session.
      if ((await this._live(oldKey, now)) === null) {
        await m.deleteKey(created.identity.key);
        this._dropRegenerate();
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
    await this._adopt(created, record, now);
    if (record.userId !== null) await m.enforceUserCap(record.userId, created.identity.key);
  }

  /** The live, decodable record under `key`, or null. */
  protected async _live(key: string, now: number): Promise<SessionRecord | null> {
    const m = this._m;
    const stored = await m.storeCall('get', () => m.store.get(key));
    const decoded = stored === null ? null : m.decode(stored, now);
    return decoded === null || decoded === 'expired' ? null : decoded;
  }

  protected _dropRegenerate(): void {
    const m = this._m;
    m.report(
      new SessionError(
        'SESSION_WRITE_DROPPED',
        'A regenerate of a session destroyed meanwhile was dropped; no new session was created.',
      ),
    );
    this._base = null;
    this._rebuildAfterCommit();
    if (this._hadCookie) this._clearSessionCookie();
  }

  /** Expires the session cookie in the browser. */
  protected _clearSessionCookie(): void {
    this._setCookie = serializeCookie(this._m.cookie, '', 0, this._secure);
    this._headers = CACHE_HEADERS;
  }

  protected _result(): CommitResult {
    if (this._setCookie === null && this._csrfCookie === null && this._headers.length === 0)
      return NO_HEADERS;
    const cookies: string[] = [];
    if (this._setCookie !== null) cookies.push(this._setCookie);
    if (this._csrfCookie !== null) cookies.push(this._csrfCookie);
    return { setCookie: this._setCookie, cookies, headers: this._headers };
  }

  protected async _createNew(record: SessionRecord, now: number): Promise<void> {
    await this._adopt(await this._insertNew(record, now), record, now);
  }

  /** Stores `record` under a fresh id, insert-only; the request does not use it yet. */
  protected async _insertNew(record: SessionRecord, now: number): Promise<Created> {
    const m = this._m;
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
  protected async _adopt(created: Created, record: SessionRecord, now: number): Promise<void> {
    this._base = {
      identity: created.identity,
      record,
      version: created.version,
      expiresAt: created.expiresAt,
    };
    this._rebuildAfterCommit();
    this._destroyed = false;
    await this._setSessionCookie(created.identity.id, record, now);
  }

  protected async _update(loaded: Loaded, taken: Taken, now: number, cookies: boolean): Promise<void> {
    const m = this._m;
    const key = loaded.identity.key;
    const userBefore = loaded.record.userId;
    // The stored expiry moves only together with the cookie (when a touch is due and the response can
    // carry a cookie), so the browser never drops a cookie whose record is still alive.
    // A load that moved the expiry already (getAndTouch) counts as the due touch: the write carries it on.
    const extend =
      cookies && (taken.lifetime || loaded.touched === true || this._touchDue(loaded, now, taken.forceTouch));
    const outcome = await m.update(key, taken.ops, loaded, extend);
    if (outcome === null) {
      // Lost to a destroy or regenerate elsewhere: never bring the session back. No cookie either: the
      // request that destroyed or regenerated it already sent the right one.
      m.report(
        new SessionError('SESSION_WRITE_DROPPED', 'A write to a session destroyed meanwhile was dropped.'),
      );
      this._base = null;
      this._rebuildAfterCommit();
      return;
    }
    this._base = { identity: loaded.identity, ...outcome };
    this._rebuildAfterCommit();
    if (cookies && (extend || loaded.identity.reissue)) {
      await this._setSessionCookie(loaded.identity.id, outcome.record, now);
    } else if (this._headers.length === 0) {
      this._headers = VARY_ONLY;
    }
    if (outcome.record.userId !== null && outcome.record.userId !== userBefore) {
      await m.enforceUserCap(outcome.record.userId, key);
    }
  }

  /** Whether the last activity (derived from the stored expiry) is older than the touch interval. */
  protected _touchDue(loaded: Loaded, now: number, force: boolean): boolean {
    const m = this._m;
    const next = m.slidingExpiry(loaded.record, now);
    if (next <= loaded.expiresAt) return false;
    const lastActive = loaded.expiresAt - m.idleFor(loaded.record);
    return force || now - lastActive >= m.touchFor(loaded.record);
  }

  protected async _touchIfDue(loaded: Loaded, now: number, cookies: boolean, force: boolean): Promise<void> {
    const m = this._m;
    // Without a cookie to carry the new expiry, the store's expiry is left alone (see #update).
    const due = cookies && this._touchDue(loaded, now, force);
    let alive = true;
    if (cookies && loaded.touched === true) {
      // The load moved the expiry already (getAndTouch): only the cookie is left to refresh.
      this._base = {
        identity: loaded.identity,
        record: loaded.record,
        version: loaded.version,
        expiresAt: loaded.expiresAt,
      };
      this._loading = Promise.resolve(this._base);
      await this._setSessionCookie(loaded.identity.id, loaded.record, now);
      return;
    }
    if (due) {
      const expiresAt = m.slidingExpiry(loaded.record, now);
      alive = (await m.storeCall('touch', () => m.store.touch(loaded.identity.key, expiresAt))) !== false;
      this._base = { ...loaded, expiresAt };
      this._loading = Promise.resolve(this._base);
    }
    // A store that reports the record gone (destroyed or regenerated meanwhile) gets no refreshed cookie:
    // it would overwrite the cookie the other request set.
    if (cookies && alive && (due || loaded.identity.reissue)) {
      await this._setSessionCookie(loaded.identity.id, loaded.record, now);
    }
  }

  protected async _setSessionCookie(id: string, record: SessionRecord, now: number): Promise<void> {
    const m = this._m;
    const [key] = await m.signingKeys();
    const signature = await m.crypto.sign(key!, m.message(id));
    this._setCookie = serializeCookie(m.cookie, `${id}.${signature}`, m.maxAgeFor(record, now), this._secure);
    this._headers = CACHE_HEADERS;
    if (m.cookie.secure === true && !this._secure) m.warnSecureOverHttp();
  }
}
