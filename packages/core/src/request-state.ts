/**
 * The state of one request's session, and what reads it: lazy identity (the signed cookie) and loading
 * (one store read, copy on write), and the anonymous visitor's CSRF cookie. request-commit.ts saves it;
 * request-session.ts is the API handlers use.
 */
import { cloneRecord, newRecord, type SessionRecord } from './codec.ts';
import { cookieValues, serializeCookie } from './cookie.ts';
import { SessionError } from './errors.ts';
import type { ManagerCore } from './manager.ts';
import type { CommitResult } from './session.ts';
import { readSignedCookie } from './signed-cookie.ts';
import type { TouchedSession } from './store.ts';
import type { Op } from './write-queue.ts';

export interface Identity {
  readonly id: string;
  readonly key: string;
  /** Verified under an older secret: re-issue the cookie under the current one. */
  readonly reissue: boolean;
}

export interface Created {
  readonly identity: Identity;
  readonly version: string;
  readonly expiresAt: number;
}

export interface Loaded {
  readonly identity: Identity;
  readonly record: SessionRecord;
  readonly version: string;
  readonly expiresAt: number;
  /**
   * The load itself moved the expiry (getAndTouch): the cookie still has to be refreshed at commit, and
   * no further touch is due.
   */
  readonly touched?: true;
}

/** What one commit takes from the request's pending changes. */
export interface Taken {
  readonly ops: readonly Op[];
  readonly regenerate: boolean;
  readonly forceTouch: boolean;
  /** setLifetime() ran: the expiry and the cookie follow the new lifetime at once. */
  readonly lifetime: boolean;
  readonly doomed: ReadonlyArray<Promise<string | null>>;
  readonly expired: readonly string[];
  readonly destroyed: boolean;
}

/** A copy of `record` with `ops` applied. */
export function replay(record: SessionRecord, ops: readonly Op[]): SessionRecord {
  const copy = cloneRecord(record);
  for (const op of ops) op(copy);
  return copy;
}

export const ID_BYTES = 32;
export const NO_HEADERS: CommitResult = { setCookie: null, cookies: [], headers: [] };
export const CACHE_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['Cache-Control', 'private, no-store'],
  ['Vary', 'Cookie'],
];
export const VARY_ONLY: ReadonlyArray<readonly [string, string]> = [['Vary', 'Cookie']];
/**
 * A copy of a session value for a caller: arrays and plain objects (what JSON data is made of) are copied
 * deeply, anything else (primitives, and objects this request set itself, such as a Date) is returned as is.
 */
export function copyValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyValue);
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  // Defined, never assigned: a key named `__proto__` stays data and sets no prototype.
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, copyValue(item)]));
}

export function isEmpty(record: SessionRecord): boolean {
  return record.data.size === 0 && record.flash.size === 0 && record.userId === null && record.csrf === null;
}

/** The state of one request's session (see the module comment); subclasses add the commit and the API. */
export abstract class RequestState {
  protected readonly _m: ManagerCore;
  protected readonly _header: string;
  protected readonly _secure: boolean;
  protected readonly _headersSent: (() => boolean) | undefined;
  /** The adapter commits this request's response with cookies (SessionRequest.canSetCookie). */
  protected readonly _canSetCookie: boolean;
  protected _identity: Promise<Identity | null> | undefined;
  protected _loading: Promise<Loaded | null> | undefined;
  /** The stored session as loaded or last committed; null for none. */
  protected _base: Loaded | null = null;
  /** `#base`'s record with `#ops` applied; null until loaded. */
  protected _view: SessionRecord | null = null;
  /** Whether `#view` is the stored record itself (no change yet): copied before the first change. */
  protected _viewShared = false;
  protected _ops: Op[] = [];
  protected _regenerate = false;
  protected _forceTouch = false;
  protected _lifetimeSet = false;
  /** Keys to delete at commit (destroy). */
  protected _doomed: Array<Promise<string | null>> = [];
  /** Keys of expired records found on load, removed best-effort at commit. */
  protected _expired: string[] = [];
  protected _destroyed = false;
  protected _hadCookie = false;
  protected _setCookie: string | null = null;
  /** The token of a valid anonymous CSRF cookie the request carried (read on demand). */
  protected _anonymousCookie: Promise<string | null> | undefined;
  protected _hadAnonymousCookie = false;
  /** Whether csrfToken() or verifyCsrfToken() ran (then a stale anonymous cookie is looked for). */
  protected _csrfUsed = false;
  /** A token handed to an anonymous visitor in this request, whose cookie goes out at commit. */
  protected _anonymousIssued: string | null = null;
  /** The anonymous CSRF cookie's `Set-Cookie` (set, or cleared), or null. */
  protected _csrfCookie: string | null = null;
  protected _headers: ReadonlyArray<readonly [string, string]> = [];
  protected _commitTail: Promise<unknown> = Promise.resolve();
  protected _committed = false;

  constructor(
    manager: ManagerCore,
    header: string,
    secure: boolean,
    headersSent?: () => boolean,
    canSetCookie = false,
  ) {
    this._m = manager;
    this._header = header;
    this._secure = secure;
    this._headersSent = headersSent;
    this._canSetCookie = canSetCookie;
  }

  // ---- identity and loading ------------------------------------------------------------------

  protected _resolveIdentity(): Promise<Identity | null> {
    this._identity ??= this._verifyCookie();
    return this._identity;
  }

  protected async _verifyCookie(): Promise<Identity | null> {
    const m = this._m;
    if (this._header === '') return null;
    // The common case, one value of our name that verified before: no HMAC, no hash. Only verified
    // values are remembered and a hit needs the exact value, so a forged one never hits.
    const values = cookieValues(this._header, m.cookieName, 2);
    if (values.length === 0) return null;
    const single = values.length === 1 ? values[0]! : null;
    const known = single === null ? undefined : m.knownIdentity(single);
    if (known !== undefined) {
      this._hadCookie = true;
      return known;
    }
    const read = await readSignedCookie(
      this._header,
      m.cookieName,
      m.crypto,
      () => m.signingKeys(),
      (id) => m.message(id),
    );
    if (!read.present) return null;
    this._hadCookie = true;
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

  protected _load(): Promise<Loaded | null> {
    this._loading ??= this._loadOnce();
    return this._loading;
  }

  protected async _loadOnce(): Promise<Loaded | null> {
    const m = this._m;
    const identity = this._destroyed ? null : await this._resolveIdentity();
    let loaded: Loaded | null = null;
    if (identity !== null) {
      const now = m.now();
      const getAndTouch = this._touchesOnLoad() ? m.store.getAndTouch : undefined;
      const touchTo = now + m.idleMs;
      const stored = getAndTouch
        ? await m.storeCall('getAndTouch', () =>
            getAndTouch.call(m.store, identity.key, {
              now,
              ifExpiresBy: touchTo - m.touchMs,
              expiresAt: touchTo,
            }),
          )
        : await m.storeCall('get', () => m.store.get(identity.key));
      if (stored !== null) {
        const record = m.decode(stored, now);
        if (record === 'expired') {
          // Treated as absent, and removed so it cannot linger in stores without native TTLs.
          this._expired.push(identity.key);
        } else if (record !== null) {
          loaded = { identity, record, version: stored.version, expiresAt: stored.expiresAt };
          if (getAndTouch && (stored as TouchedSession).touched) {
            loaded = await this._settleLoadTouch(loaded, now, touchTo);
          }
        }
      }
    }
    if (!this._destroyed) this._base = loaded;
    this._rebuildView();
    return this._base;
  }

  /**
   * Whether a load may move a due expiry in the same store call: the store can, and the response will
   * carry the refreshed cookie (the adapter said so when opening the handle, and the head is not out).
   */
  protected _touchesOnLoad(): boolean {
    return this._m.capabilities.getAndTouch && this._canSetCookie && this._headersSent?.() !== true;
  }

  /**
   * After a read moved the expiry with the manager's idle timeout: the store cannot know this session's
   * absolute end (or its own idle timeout), so when the expiry it set is not the one core wants, a plain
   * touch sets that one (a second round trip, only in the session's last idle window, or for a session
   * with a lifetime of its own).
   */
  protected async _settleLoadTouch(loaded: Loaded, now: number, touchedTo: number): Promise<Loaded> {
    const m = this._m;
    const wanted = m.slidingExpiry(loaded.record, now);
    // Compared with what core asked for, not what the store reports (a store may round to seconds).
    if (wanted === touchedTo) return { ...loaded, touched: true };
    const alive = await m.storeCall('touch', () => m.store.touch(loaded.identity.key, wanted));
    // Gone meanwhile (destroyed or regenerated elsewhere): no refreshed cookie, as at commit.
    return alive === false
      ? { ...loaded, expiresAt: wanted }
      : { ...loaded, expiresAt: wanted, touched: true };
  }

  /**
   * The view is `#base`'s record with `#ops` applied. Copy on write: without pending changes it is the
   * stored record itself, shared and never mutated (reads hand out copies of values); the first change
   * copies it.
   */
  protected _rebuildView(): void {
    if (this._ops.length === 0) {
      this._view = this._base ? this._base.record : newRecord(this._m.now());
      this._viewShared = this._base !== null;
      return;
    }
    const view = this._base ? cloneRecord(this._base.record) : newRecord(this._m.now());
    for (const op of this._ops) op(view);
    this._view = view;
    this._viewShared = false;
  }

  protected async _current(): Promise<SessionRecord> {
    await this._load();
    return this._view!;
  }

  protected _apply(op: Op): void {
    this._ops.push(op);
    if (this._view === null) return;
    if (this._viewShared) {
      this._view = cloneRecord(this._view);
      this._viewShared = false;
    }
    op(this._view);
  }

  protected _anonymousToken(): Promise<string | null> {
    this._anonymousCookie ??= this._readAnonymousCookie();
    return this._anonymousCookie;
  }

  protected async _readAnonymousCookie(): Promise<string | null> {
    const m = this._m;
    const read = await readSignedCookie(
      this._header,
      m.csrfCookieName,
      m.crypto,
      () => m.csrfKeys(),
      (token) => m.csrfMessage(token),
    );
    this._hadAnonymousCookie = read.present;
    return read.present ? (read.found?.value ?? null) : null;
  }

  /**
   * The anonymous CSRF cookie after a commit: a token handed out to a visitor without a session gets its
   * cookie; once a stored session exists, a cookie the request carried is cleared (a token planted from a
   * sibling subdomain never outlives the session's start).
   */
  protected async _settleCsrfCookie(cookies: boolean, created: boolean): Promise<void> {
    const m = this._m;
    if (this._base !== null) {
      this._anonymousIssued = null;
      const carried =
        this._hadAnonymousCookie ||
        ((created || this._csrfUsed) &&
          cookieValues(this._header, m.csrfCookieName, 1).length > 0 &&
          this._csrfCookie === null);
      if (carried && cookies) {
        this._hadAnonymousCookie = false;
        this._csrfCookie = serializeCookie(m.csrfCookie, '', 0, this._secure);
        this._headers = CACHE_HEADERS;
      }
      return;
    }
    const token = this._anonymousIssued;
    if (token === null) return;
    if (!cookies) this._readonly('a CSRF token for a visitor without a session');
    const [key] = await m.csrfKeys();
    const signature = await m.crypto.sign(key!, m.csrfMessage(token));
    this._csrfCookie = serializeCookie(m.csrfCookie, `${token}.${signature}`, m.csrfMaxAge(), this._secure);
    this._headers = CACHE_HEADERS;
    // Sent once: later commits of this request keep it, and the request now carries it, in effect.
    this._anonymousIssued = null;
    this._anonymousCookie = Promise.resolve(token);
  }

  /** After a commit: the committed state is the base, changes made meanwhile stay on top of it. */
  protected _rebuildAfterCommit(): void {
    this._loading = Promise.resolve(this._base);
    this._rebuildView();
  }

  protected _readonly(what: string): never {
    // No framework is named here: adapters whose framework has its own rules (Next.js Server Components)
    // throw their own wording before core gets this far.
    throw new SessionError(
      'SESSION_COOKIE_READONLY',
      `${what} needs to set the session cookie, which this response can no longer carry (its head was ` +
        'sent, or the adapter opened it read-only): make the change before the response starts.',
    );
  }
}
