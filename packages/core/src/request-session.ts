/**
 * The session of one request: lazy identity and loading, the data API handlers use, and the commit that
 * saves what changed before the response head leaves. Adapters get it as a `SessionHandle` from
 * `SessionManager.open()` (working through the manager's module-private `ManagerCore`).
 */
import { cloneRecord, newRecord, type SessionRecord } from './codec.ts';
import { cookieValues, serializeCookie } from './cookie.ts';
import { SessionError, SessionStoreError } from './errors.ts';
import type { ManagerCore } from './manager.ts';
import type {
  CommitOptions,
  CommitResult,
  Session,
  SessionData,
  SessionHandle,
  SessionInfo,
  SessionState,
} from './session.ts';
import { readSignedCookie } from './signed-cookie.ts';
import type { Op } from './write-queue.ts';

export interface Identity {
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

export interface Loaded {
  readonly identity: Identity;
  readonly record: SessionRecord;
  readonly version: string;
  readonly expiresAt: number;
}

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

const ID_BYTES = 32;
const NO_HEADERS: CommitResult = { setCookie: null, cookies: [], headers: [] };
const CACHE_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['Cache-Control', 'private, no-store'],
  ['Vary', 'Cookie'],
];
const VARY_ONLY: ReadonlyArray<readonly [string, string]> = [['Vary', 'Cookie']];
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

function isEmpty(record: SessionRecord): boolean {
  return record.data.size === 0 && record.flash.size === 0 && record.userId === null && record.csrf === null;
}

/** The per-request session; adapters see it as a {@link SessionHandle}, handlers as a {@link Session}. */
export class RequestSession<Data extends SessionData> implements Session<Data>, SessionHandle<Data> {
  readonly #m: ManagerCore;
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

  constructor(manager: ManagerCore, header: string, secure: boolean, headersSent?: () => boolean) {
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
