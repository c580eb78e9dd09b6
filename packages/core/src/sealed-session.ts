/**
 * Sealed-cookie sessions: the whole session record rides in the cookie, sealed (sealed.ts), so reads never
 * touch a store. Chosen with `store: sealedCookies()`; every adapter offers it through the same `Session`
 * API, since adapters only call the manager's `open()` and the handle's `commit()`.
 *
 * What a cookie cannot keep is reported, not faked ({@link SessionCapabilities}): without a revocation
 * store, a copied or stale cookie stays valid until it expires.
 */
import {
  cloneRecord,
  type EncodedSession,
  fromRecord,
  jsonCodec,
  MAX_LIFETIME_SECONDS,
  newRecord,
  type SessionRecord,
  toRecord,
} from './codec.ts';
import { cookieValues, serializeCookie } from './cookie.ts';
import { configError, SessionError } from './errors.ts';
import type { ManagerCore } from './manager.ts';
import { RequestSession } from './request-session.ts';
import {
  CACHE_HEADERS,
  copyValue,
  ID_BYTES,
  type Identity,
  isEmpty,
  type Loaded,
  replay,
  type Taken,
  VARY_ONLY,
} from './request-state.ts';
import { CookieSealer, refusePublishedSecrets } from './sealed.ts';
import type { SessionData, SessionInfo, SessionManagerOptions } from './session.ts';
import { MAX_COOKIE_CANDIDATES, VerifiedCookies } from './signed-cookie.ts';
import type {
  AnySessionStore,
  CompareAndSetStore,
  SessionStore,
  SessionWrite,
  StoreCapabilities,
} from './store.ts';

const encoder = new TextEncoder();
const SEALED_BRAND: unique symbol = Symbol.for('@cloakroom/session-core:sealedCookies') as never;

/** Options of {@link sealedCookies}. */
export interface SealedCookiesOptions {
  /**
   * Any Cloakroom store, kept small: a per-user "not before" time and an entry per destroyed or
   * regenerated session id until the latest absolute end any cookie of that id was sealed with, both
   * checked on every read (one round trip, two keys). With it, `revokeOtherSessions()`,
   * `manager.destroyUserSessions()`, a destroy and a regenerate hold against a replayed cookie. Without it
   * they cannot, and the capabilities say so.
   * @default none
   */
  readonly revocation?: AnySessionStore;
}

/**
 * The sealed-cookie mode, passed where a store goes: `createSessionManager({ secret, store: sealedCookies() })`.
 * It keeps no records (its store methods reject with `SESSION_USAGE`; core never calls them).
 */
export interface SealedCookies extends SessionStore {
  readonly [SEALED_BRAND]: true;
  readonly revocation: AnySessionStore | null;
}

function noRecords(): Promise<never> {
  return Promise.reject(
    new SessionError('SESSION_USAGE', 'sealedCookies() keeps sessions in the cookie, not in a store.'),
  );
}

/**
 * Sessions sealed into the cookie (AES-256-GCM, a key per seal derived with HKDF from the secret): no
 * store to run. Pass it as the manager's `store`.
 * @example
 * createSessionManager({ secret: process.env.SESSION_SECRET!, store: sealedCookies() });
 * createSessionManager({ secret, store: sealedCookies({ revocation: redisStore({ client }) }) });
 */
export function sealedCookies(options: SealedCookiesOptions = {}): SealedCookies {
  const revocation = options.revocation ?? null;
  if (revocation !== null && (typeof revocation.get !== 'function' || typeof revocation.set !== 'function')) {
    throw configError('sealedCookies({ revocation }) takes a Cloakroom store (get and set at least).');
  }
  const mode: SealedCookies & { close?: () => Promise<void> } = {
    [SEALED_BRAND]: true,
    revocation,
    get: noRecords,
    create: noRecords,
    set: noRecords,
    touch: noRecords,
    delete: noRecords,
  };
  // manager.close() closes the revocation store it was given, as it closes a store.
  if (typeof revocation?.close === 'function') mode.close = () => revocation.close!();
  return mode;
}

/** Whether a store is the sealed-cookie mode. */
export function isSealedCookies(store: unknown): store is SealedCookies {
  return (
    store !== null &&
    typeof store === 'object' &&
    (store as { [SEALED_BRAND]?: unknown })[SEALED_BRAND] === true
  );
}

/**
 * What a session can promise, beside the store's optional methods. A store-backed session keeps all of
 * these (atomic ones through compare-and-set); a sealed cookie keeps them only as far as said here.
 */
export interface SessionCapabilities extends StoreCapabilities {
  /** Sessions ride in sealed cookies (no store records). */
  readonly sealed: boolean;
  /** `update()` is atomic across parallel requests. Sealed: false, it applies within its request. */
  readonly atomicUpdate: boolean;
  /** A flash value is read once even by parallel requests. Sealed: false, each carries its own copy. */
  readonly readOnceFlash: boolean;
  /** A user's sessions can be listed (`listSessions()`). Sealed: false. */
  readonly listUserSessions: boolean;
  /** A user's other sessions can be revoked. Sealed: only with a revocation store. */
  readonly revokeUserSessions: boolean;
  /** The old id stops working at regenerate. Sealed: only with a revocation store. */
  readonly regenerateRevokesOld: boolean;
  /** A destroyed session stays destroyed, whatever a request in flight or a replayed cookie does. Sealed: only with a revocation store. */
  readonly destroyHolds: boolean;
}

/** The capabilities of a manager over `store`. */
export function sessionCapabilities(store: AnySessionStore, base: StoreCapabilities): SessionCapabilities {
  if (!isSealedCookies(store)) {
    return {
      ...base,
      sealed: false,
      atomicUpdate: base.compareAndSet,
      readOnceFlash: base.compareAndSet,
      listUserSessions: base.userIndex,
      revokeUserSessions: base.userIndex,
      regenerateRevokesOld: true,
      destroyHolds: true,
    };
  }
  const revocable = store.revocation !== null;
  return {
    // The marker has none of a store's optional methods but `close` (for its revocation store).
    ...base,
    sealed: true,
    atomicUpdate: false,
    readOnceFlash: false,
    listUserSessions: false,
    revokeUserSessions: revocable,
    regenerateRevokesOld: revocable,
    destroyHolds: revocable,
  };
}

/** What a sealed cookie holds. Short names: every byte rides in every request. */
interface Envelope {
  readonly v: 1;
  /** The session id (random, 32 bytes): for logId and revocation entries, never a store key. */
  readonly i: string;
  /** When this id was issued, epoch ms (compared with the user's "not before" time). */
  readonly s: number;
  /** Idle expiry, epoch ms (the absolute one counts from the record's creation). */
  readonly e: number;
  /**
   * The latest absolute end any cookie of this id was sealed with, epoch ms, carried forward on every
   * re-seal: a destroy or regenerate keeps the id's revocation entry until then, so an older cookie sealed
   * under a longer `setLifetime()` never outlives it. Absent in cookies sealed before it existed (their
   * record's own end is used).
   */
  readonly a?: number;
  readonly r: EncodedSession;
}

function parseEnvelope(text: string): Envelope | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object') return null;
  const { v, i, s, e, a } = value as Record<string, unknown>;
  if (v !== 1 || typeof i !== 'string' || typeof s !== 'number' || typeof e !== 'number') return null;
  if (a !== undefined && typeof a !== 'number') return null;
  return value as Envelope;
}

interface SealedIdentity extends Identity {
  readonly issuedAt: number;
  /** The envelope's `a`: the latest absolute end this id was sealed with, or null (new id, older cookie). */
  readonly longestEnd: number | null;
}

interface Opened {
  readonly identity: SealedIdentity;
  readonly envelope: Envelope;
}

/** A user's revocation entry: sessions issued at or before `nb` are void, but `keep`'s. */
interface NotBefore {
  readonly nb: number;
  readonly keep: string | null;
}

/** Read and compare-and-set rounds of revokeUser() before SESSION_CONFLICT (lost only to another revoke). */
const REVOKE_USER_ATTEMPTS = 8;

function parseNotBefore(data: string): NotBefore | null {
  try {
    const value = JSON.parse(data) as NotBefore;
    return typeof value.nb === 'number' ? value : null;
  } catch {
    return null;
  }
}

/**
 * The cut-off that voids what both `stored` and `mine` void: the later time. When it is the stored one,
 * only a session both keep stays kept (else a sign-out everywhere landing meanwhile would be undone).
 */
function laterCutOff(stored: NotBefore | null, mine: NotBefore): NotBefore {
  if (stored === null || stored.nb < mine.nb) return mine;
  return { nb: stored.nb, keep: stored.keep === mine.keep ? mine.keep : null };
}

const REVOKED_SESSION = 'cloakroom/sealed-revoked-session/v1|';
const REVOKED_USER = 'cloakroom/sealed-user-not-before/v1|';

/** The manager-wide half of sealed mode: the sealer, the cache of opened values, the revocation store. */
export class SealedContext {
  readonly sealer: CookieSealer;
  readonly revocation: AnySessionStore | null;
  readonly #m: ManagerCore;
  readonly #opened: VerifiedCookies<Opened>;
  /** The revocation store's compare-and-set, found once (null without one). */
  readonly #compareAndSet: CompareAndSetStore['compareAndSet'] | null;

  constructor(core: ManagerCore, store: SealedCookies, secrets: readonly Uint8Array[], cacheSize: number) {
    refusePublishedSecrets(secrets);
    this.#m = core;
    this.revocation = store.revocation;
    const cas = store.revocation?.compareAndSet;
    this.#compareAndSet = typeof cas === 'function' ? cas.bind(store.revocation) : null;
    this.sealer = new CookieSealer({ secrets, cookieName: core.cookieName, crypto: core.crypto });
    this.#opened = new VerifiedCookies(cacheSize);
  }

  /** Opens one cookie value (a value that opened before costs no crypto). */
  async open(value: string): Promise<Opened | null> {
    const known = this.#opened.get(value);
    if (known !== undefined) return known;
    const unsealed = await this.sealer.open(value);
    if (unsealed === null) return null;
    const envelope = parseEnvelope(unsealed.plaintext);
    const m = this.#m;
    // It authenticated, so we sealed it: one that does not decode is a corrupt record, reported as in
    // store mode.
    if (envelope === null) {
      m.report(corruptRecord());
      return null;
    }
    const identity: SealedIdentity = {
      id: envelope.i,
      key: await m.keyOf(envelope.i),
      reissue: unsealed.reissue,
      issuedAt: envelope.s,
      longestEnd: envelope.a ?? null,
    };
    const opened = { identity, envelope };
    this.#opened.remember(value, opened);
    return opened;
  }

  /** Seals `record` for `identity`; the identity returned carries the longest end forward. */
  async seal(
    identity: SealedIdentity,
    record: SessionRecord,
    expiresAt: number,
  ): Promise<{ value: string; identity: SealedIdentity }> {
    const longestEnd = this.voidUntil(identity, record);
    const envelope: Envelope = {
      v: 1,
      i: identity.id,
      s: identity.issuedAt,
      e: expiresAt,
      a: longestEnd,
      r: fromRecord(record),
    };
    const value = await this.sealer.seal(JSON.stringify(envelope));
    return { value, identity: { ...identity, reissue: false, longestEnd } };
  }

  /** Until when a revocation entry for `identity` must live: no cookie of that id opens after it. */
  voidUntil(identity: SealedIdentity, record: SessionRecord): number {
    return Math.max(identity.longestEnd ?? 0, this.#m.absoluteEnd(record));
  }

  async #keyOf(prefix: string, value: string): Promise<string> {
    return this.#m.crypto.sha256(prefix + value);
  }

  async #revocationCall<T>(operation: string, call: (store: AnySessionStore) => Promise<T>): Promise<T> {
    const store = this.revocation!;
    return this.#m.storeCall(operation, () => call(store));
  }

  /** Whether a revocation entry voids this session (always false without a revocation store). */
  async revoked(identity: SealedIdentity, userId: string | null): Promise<boolean> {
    if (this.revocation === null) return false;
    const [entry, user] = await Promise.all([
      this.#keyOf(REVOKED_SESSION, identity.id).then((key) => this.#revocationCall('get', (s) => s.get(key))),
      userId === null ? null : this.#notBefore(userId),
    ]);
    if (entry !== null) return true;
    return user !== null && identity.issuedAt <= user.nb && identity.key !== user.keep;
  }

  async #notBefore(userId: string): Promise<NotBefore | null> {
    const key = await this.#keyOf(REVOKED_USER, userId);
    const stored = await this.#revocationCall('get', (s) => s.get(key));
    return stored === null ? null : parseNotBefore(stored.data);
  }

  /** An issue time for a new id of `userId`: after any "not before" time, so a sign-in is never void. */
  async issueTime(userId: string | null, now: number): Promise<number> {
    if (this.revocation === null || userId === null) return now;
    const user = await this.#notBefore(userId);
    return user === null ? now : Math.max(now, user.nb + 1);
  }

  /** Voids one session id until `absoluteExpiresAt` ({@link SealedContext.voidUntil}). */
  async revokeSession(id: string, absoluteExpiresAt: number): Promise<void> {
    const key = await this.#keyOf(REVOKED_SESSION, id);
    const write = { data: '1', expiresAt: absoluteExpiresAt, absoluteExpiresAt, userId: null };
    await this.#revocationCall('set', (s) => s.set(key, write));
  }

  /** Voids every session of `userId` issued until now, but `keepKey`'s. */
  /**
   * Voids every session of `userId` issued until now, but `keepKey`'s. The cut-off never moves back: on a
   * revocation store with compare-and-set, a process whose clock is behind keeps a later time another
   * process wrote (read, then written only if unchanged). Without compare-and-set the last write wins.
   * @throws SessionError SESSION_CONFLICT when the entry kept changing under it
   */
  async revokeUser(userId: string, keepKey: string | null): Promise<void> {
    const m = this.#m;
    const key = await this.#keyOf(REVOKED_USER, userId);
    const entry = (cut: NotBefore, expiresAt: number): SessionWrite => ({
      data: JSON.stringify(cut),
      expiresAt,
      absoluteExpiresAt: expiresAt,
      userId: null,
    });
    for (let attempt = 0; attempt < REVOKE_USER_ATTEMPTS; attempt++) {
      const now = m.now();
      // Every session issued before now has ended by now + its absolute timeout (the manager's, or at
      // most the longest lifetime a session may be given): the entry can go then.
      const expiresAt = now + Math.max(m.absoluteMs, MAX_LIFETIME_SECONDS * 1000);
      const mine: NotBefore = { nb: now, keep: keepKey };
      const cas = this.#compareAndSet;
      if (cas === null) {
        await this.#revocationCall('set', (s) => s.set(key, entry(mine, expiresAt)));
        return;
      }
      const stored = await this.#revocationCall('get', (s) => s.get(key));
      const written =
        stored === null
          ? await this.#revocationCall('create', (s) => s.create(key, entry(mine, expiresAt)))
          : await this.#revocationCall('compareAndSet', () =>
              cas(
                key,
                stored.version,
                entry(laterCutOff(parseNotBefore(stored.data), mine), Math.max(expiresAt, stored.expiresAt)),
              ),
            );
      if (written !== null) return;
    }
    throw new SessionError(
      'SESSION_CONFLICT',
      'Could not revoke the user’s sessions: the entry kept changing.',
    );
  }

  /** Needs the revocation store. @throws SessionError SESSION_USAGE */
  requireRevocation(what: string): void {
    if (this.revocation === null) {
      throw new SessionError(
        'SESSION_USAGE',
        `${what} needs a revocation store with sealed cookies: sealedCookies({ revocation: <any store> }).`,
      );
    }
  }
}

function corruptRecord(): SessionError {
  return new SessionError(
    'SESSION_CORRUPT_RECORD',
    'A sealed session could not be decoded; a new one starts.',
  );
}

function noListing(): SessionError {
  return new SessionError(
    'SESSION_USAGE',
    'Sealed cookies keep no per-user index, so a user’s sessions cannot be listed: use a store for that.',
  );
}

/** The per-request session in sealed mode: the store-backed session's API, with the cookie as the record. */
export class SealedRequestSession<Data extends SessionData> extends RequestSession<Data> {
  readonly #sealed: SealedContext;

  constructor(
    core: ManagerCore,
    sealed: SealedContext,
    header: string,
    secure: boolean,
    headersSent?: () => boolean,
  ) {
    super(core, header, secure, headersSent);
    this.#sealed = sealed;
  }

  #opening: Promise<Opened | null> | undefined;

  /** The cookie's contents, opened once per request; cookie tossing means none. */
  #openCookie(): Promise<Opened | null> {
    this.#opening ??= this.#openOnce();
    return this.#opening;
  }

  async #openOnce(): Promise<Opened | null> {
    const m = this._m;
    if (this._header === '') return null;
    const values = cookieValues(this._header, m.cookieName, MAX_COOKIE_CANDIDATES + 1);
    if (values.length === 0) return null;
    this._hadCookie = true;
    let tossing: string | null =
      values.length > MAX_COOKIE_CANDIDATES ? 'Too many session cookies in one request; ignoring all.' : null;
    let found: Opened | null = null;
    for (const value of tossing === null ? values : []) {
      const opened = await this.#sealed.open(value);
      if (opened === null || opened.identity.id === found?.identity.id) continue;
      if (found !== null) {
        tossing = 'Several session cookies opened to different sessions; ignoring all.';
        break;
      }
      found = opened;
    }
    if (tossing !== null) {
      m.report(new SessionError('SESSION_COOKIE_TOSSING', tossing));
      return null;
    }
    return found;
  }

  protected override async _verifyCookie(): Promise<Identity | null> {
    return (await this.#openCookie())?.identity ?? null;
  }

  protected override async _loadOnce(): Promise<Loaded | null> {
    const m = this._m;
    const opened = this._destroyed ? null : await this.#openCookie();
    let loaded: Loaded | null = null;
    if (opened !== null) {
      const now = m.now();
      const record = toRecord(opened.envelope.r);
      if (record === null) m.report(corruptRecord());
      if (
        record !== null &&
        opened.envelope.e > now &&
        m.absoluteEnd(record) > now &&
        !(await this.#sealed.revoked(opened.identity, record.userId))
      ) {
        loaded = { identity: opened.identity, record, version: '', expiresAt: opened.envelope.e };
      }
    }
    if (!this._destroyed) this._base = loaded;
    this._rebuildView();
    return this._base;
  }

  /**
   * Applies within this request: there is no store to compare-and-set against, so parallel requests each
   * start from the cookie they carried and the last response's cookie wins (capability `atomicUpdate`
   * false). Saved with the response, and dropped with it for a 5xx, like `set()`.
   */
  override async update<K extends keyof Data & string>(
    key: K,
    fn: (current: Data[K] | undefined) => Data[K],
  ): Promise<Data[K]> {
    // No store to rebase on: the request's view is all there is, so this is a read and a set.
    const value = fn(copyValue((await this._current()).data.get(key)) as Data[K] | undefined);
    if (value === undefined) this.delete(key);
    else this.set(key, value);
    return value;
  }

  /** @throws SessionError SESSION_USAGE: sealed cookies cannot list a user's sessions. */
  override async listSessions(): Promise<SessionInfo[]> {
    throw noListing();
  }

  /**
   * Voids the user's other sessions through the revocation store; resolves 0 when the session has no
   * user, else -1: how many sessions that voided cannot be known (they live in other browsers' cookies).
   * @throws SessionError SESSION_USAGE without a revocation store
   */
  override async revokeOtherSessions(): Promise<number> {
    this.#sealed.requireRevocation('revokeOtherSessions()');
    const view = await this._current();
    if (view.userId === null) return 0;
    await this.#sealed.revokeUser(view.userId, this._base?.identity.key ?? null);
    return -1;
  }

  protected override async _save(taken: Taken, cookies: boolean): Promise<void> {
    const m = this._m;
    const sealed = this.#sealed;
    const now = m.now();
    if (taken.doomed.length > 0) {
      await Promise.all(taken.doomed);
      // With a revocation store a destroyed id is void until no cookie of it could live any longer;
      // without, a copy of the cookie lives on until it expires (capability `destroyHolds`). The ids: the
      // cookie's, and those of the sessions this request held (created, regenerated to a new id or
      // re-sealed with a longer lifetime by an earlier commit of the request, whose cookie went out with it).
      // The commit expires the cookie.
      if (sealed.revocation !== null) {
        const ends = new Map<string, number>();
        const opened = await this.#openCookie();
        if (opened !== null) {
          const record = toRecord(opened.envelope.r);
          ends.set(
            opened.identity.id,
            record ? sealed.voidUntil(opened.identity, record) : now + m.absoluteMs,
          );
        }
        for (const held of taken.destroyedSessions) {
          const identity = held.identity as SealedIdentity;
          const until = sealed.voidUntil(identity, held.record);
          ends.set(identity.id, Math.max(ends.get(identity.id) ?? 0, until));
        }
        for (const [id, until] of ends) await sealed.revokeSession(id, until);
      }
      if (this._doomed.length === 0) this._destroyed = false;
    }

    if (taken.ops.length === 0 && !taken.regenerate) {
      if (this._loading === undefined && !taken.forceTouch) return;
      const loaded = await this._load();
      if (loaded !== null && cookies) {
        const due = this._touchDue(loaded, now, taken.forceTouch);
        if (due || loaded.identity.reissue) {
          const expiresAt = due ? this.#idleExpiry(loaded.record, now) : loaded.expiresAt;
          await this.#adopt(loaded.identity as SealedIdentity, loaded.record, expiresAt, now);
        }
      }
      if (this._headers.length === 0) this._headers = VARY_ONLY;
      return;
    }

    const loaded = await this._load();
    const empty = loaded === null && isEmpty(replay(newRecord(now), taken.ops));
    // A new session left empty saves nothing; every other change rides in the cookie, so a response
    // that cannot carry one cannot save it.
    if (empty) return;
    if (!cookies) this._readonly('a change to a sealed-cookie session');
    if (loaded === null) {
      const record = replay(newRecord(now), taken.ops);
      if (record.csrf === null && !taken.regenerate) {
        record.csrf = this._anonymousIssued ?? (await this._anonymousToken());
      }
      await this.#adopt(await this.#newIdentity(record, now), record, this.#idleExpiry(record, now), now);
      return;
    }
    const identity = loaded.identity as SealedIdentity;
    const record = replay(loaded.record, taken.ops);
    if (taken.regenerate) {
      await this.#regenerate(loaded, record, now);
      return;
    }
    if (await this.#revokedMeanwhile(identity, loaded.record.userId)) return;
    // A write is activity: the idle expiry moves with the cookie that carries it.
    await this.#adopt(identity, record, this.#idleExpiry(record, now), now);
  }

  /**
   * Moves the session to a new id, all or nothing (LC-10), and never past a destroy or a sign-out
   * everywhere that landed meanwhile (LC-9). In this order: the new id and its cookie are made (the
   * issue time read from the revocation store, the record sealed); the old id is checked again; its
   * revocation entry is written last; only then does the new cookie become the response's. A failure
   * before that write leaves the old cookie working; a failed write is a 503 with no cookie, the old
   * cookie still working. A destroy landing after the check and before the write is the one window left,
   * as in store mode between its second read and the delete.
   */
  async #regenerate(loaded: Loaded, record: SessionRecord, now: number): Promise<void> {
    const sealed = this.#sealed;
    const old = loaded.identity as SealedIdentity;
    const expiresAt = this.#idleExpiry(record, now);
    const next = await sealed.seal(await this.#newIdentity(record, now), record, expiresAt);
    if (await this.#revokedMeanwhile(old, loaded.record.userId)) return;
    if (sealed.revocation !== null) await sealed.revokeSession(old.id, sealed.voidUntil(old, loaded.record));
    this.#install(next.value, next.identity, record, expiresAt, now);
  }

  /**
   * Whether a destroy or revoke landed while this request ran (checked again, only with a revocation
   * store): then the write is dropped, reported, and only the clearing cookie goes out.
   */
  async #revokedMeanwhile(identity: SealedIdentity, userId: string | null): Promise<boolean> {
    const m = this._m;
    if (!(await this.#sealed.revoked(identity, userId))) return false;
    m.report(
      new SessionError('SESSION_WRITE_DROPPED', 'A write to a session destroyed meanwhile was dropped.'),
    );
    this._base = null;
    this._rebuildAfterCommit();
    if (this._hadCookie) this._clearSessionCookie();
    return true;
  }

  #idleExpiry(record: SessionRecord, now: number): number {
    return this._m.slidingExpiry(record, now);
  }

  async #newIdentity(record: SessionRecord, now: number): Promise<SealedIdentity> {
    const m = this._m;
    const id = m.crypto.randomToken(ID_BYTES);
    return {
      id,
      key: await m.keyOf(id),
      reissue: false,
      issuedAt: await this.#sealed.issueTime(record.userId, now),
      longestEnd: null,
    };
  }

  /** Seals `record` into this response's cookie and makes it the request's session. */
  async #adopt(
    identity: SealedIdentity,
    record: SessionRecord,
    expiresAt: number,
    now: number,
  ): Promise<void> {
    const sealed = await this.#sealed.seal(identity, record, expiresAt);
    this.#install(sealed.value, sealed.identity, record, expiresAt, now);
  }

  /** Makes a sealed `value` this response's cookie, and its session the request's. */
  #install(
    value: string,
    identity: SealedIdentity,
    record: SessionRecord,
    expiresAt: number,
    now: number,
  ): void {
    const m = this._m;
    this._setCookie = serializeCookie(m.cookie, value, m.maxAgeFor(record, now), this._secure);
    this._headers = CACHE_HEADERS;
    if (m.cookie.secure === true && !this._secure) m.warnSecureOverHttp();
    this._base = {
      identity,
      record: cloneRecord(record),
      version: '',
      expiresAt,
    };
    this._rebuildAfterCommit();
    this._destroyed = false;
  }
}

/** Lists are impossible in sealed mode; revoking needs the revocation store (see the manager's methods). */
export async function sealedDestroyUserSessions(sealed: SealedContext, userId: string): Promise<number> {
  sealed.requireRevocation('destroyUserSessions()');
  await sealed.revokeUser(userId, null);
  return -1;
}

/** A user's sessions cannot be listed in sealed mode. */
export function sealedListUserSessions(): Promise<SessionInfo[]> {
  return Promise.reject(noListing());
}

/**
 * The sealed mode of a manager's options, or null when `options.store` is a store.
 * @throws SessionError SESSION_CONFIG for a published secret or a codec (sealed cookies hold JSON)
 */
export function sealedModeOf(options: SessionManagerOptions, core: ManagerCore): SealedContext | null {
  const { store } = options;
  if (!isSealedCookies(store)) return null;
  if (options.codec !== undefined && options.codec !== jsonCodec) {
    throw configError('sealedCookies() seals JSON: leave options.codec unset.');
  }
  const list = typeof options.secret === 'string' ? [options.secret] : Array.from(options.secret);
  const secrets = list.map((secret) => encoder.encode(secret));
  return new SealedContext(core, store, secrets, options.verifiedCookieCache ?? 1024);
}
