/**
 * The store contract. Stores move opaque strings (core owns the codec) plus an absolute expiry; every
 * method is promise-based and rejects only when the backend fails, with a `SessionStoreError`.
 *
 * Keys handed to a store are already a one-way hash of the session id (base64url, 43 characters): a
 * store never sees a raw id and never builds a key from unverified input.
 */

/** A stored session as a store returns it. */
export interface StoredSession {
  /** The encoded session, opaque to the store. */
  readonly data: string;
  /** When the record expires, epoch milliseconds. */
  readonly expiresAt: number;
  /** Opaque version token the store defines (a counter, a CAS token); changes on every write. */
  readonly version: string;
}

/** A stored session with its key, as the per-user index lists it. */
export interface StoredUserSession extends StoredSession {
  readonly key: string;
}

/** What core writes. */
export interface SessionWrite {
  /** The encoded session, opaque to the store. */
  readonly data: string;
  /** When the record expires (the earlier of idle and absolute expiry), epoch milliseconds. */
  readonly expiresAt: number;
  /**
   * When the session expires at the latest (absolute timeout), epoch milliseconds. A touch never moves
   * it, so an index scored by it never needs a rewrite on touch; only a write that changes the session's
   * own lifetime (setLifetime) does.
   */
  readonly absoluteExpiresAt: number;
  /** The user the session is bound to, for the per-user index; `null` when none. */
  readonly userId: string | null;
}

/**
 * Required methods of every store.
 */
export interface SessionStore {
  /**
   * Reads a record.
   * @returns the record, or `null` when it is missing or expired.
   * @throws SessionStoreError when the backend fails.
   */
  get(key: string): Promise<StoredSession | null>;
  /**
   * Inserts a record only if the key is free (guards against id collisions).
   * @returns the new version, or `null` when the key already exists (nothing was written).
   */
  create(key: string, write: SessionWrite): Promise<string | null>;
  /**
   * Upserts a record.
   * @returns the new version.
   */
  set(key: string, write: SessionWrite): Promise<string>;
  /**
   * Moves a record's expiry without rewriting its data. A missing key is not an error. The version
   * may stay the same.
   * @returns `true` when a live record was there and was touched, `false` when none was (core then does
   * not refresh the cookie of a session destroyed or regenerated meanwhile). A touch never creates or
   * revives a record.
   */
  touch(key: string, expiresAt: number): Promise<boolean>;
  /** Deletes a record (and its per-user index entry). A missing key is not an error. */
  delete(key: string): Promise<void>;
}

/** Optional: atomic compare-and-set. Without it, concurrent requests get last-writer-wins. */
export interface CompareAndSetStore {
  /**
   * Writes only if the stored version equals `version`.
   * @returns the new version, or `null` on a conflict (the version differs or the record is gone).
   */
  compareAndSet(key: string, version: string, write: SessionWrite): Promise<string | null>;
}

/** When a read should also move the record's expiry (see GetAndTouchStore). */
export interface TouchIfDue {
  /**
   * The caller's clock, epoch ms. A record whose stored expiry is at or before it is answered as `get`
   * answers it and never touched: the caller's clock decides that a session has expired, so a read never
   * revives a record the caller sees expired while the backend still holds it (clock skew, a test clock).
   */
  readonly now: number;
  /** Move the expiry only when the stored one is at or before this instant (epoch ms): the touch is due. */
  readonly ifExpiresBy: number;
  /** The new expiry, epoch ms; applied only when later than the stored one. */
  readonly expiresAt: number;
}

/** A record read by getAndTouch. */
export interface TouchedSession extends StoredSession {
  /** Whether this read moved the expiry (expiresAt is then the new one). */
  readonly touched: boolean;
}

/**
 * Optional: a read that moves a due expiry in the same operation (one round trip).
 *
 * Core uses it when loading a session whose response can carry a cookie (the handle was opened with
 * `canSetCookie`), with `ifExpiresBy = now + idle - touchInterval` and `expiresAt = now + idle`, the
 * manager's timeouts. A store does not know the session's absolute expiry nor a lifetime of its own, so
 * when the decoded record shows the new expiry is not the one core wants (it passes the absolute end, or
 * the session has its own idle timeout), core follows with a plain `touch` to that one: a second round
 * trip, only in the session's last idle window or for a session with a shorter lifetime of its own.
 *
 * Once such a read moved the expiry, the refreshed cookie is owed: the commit sends it, a 5xx commit
 * included (it saves nothing else). Two cases remain where the store's expiry moved and the cookie did
 * not: a commit without cookies (the head left after the load; core does not use getAndTouch when it is
 * out already at load time), and an adapter that does not commit a failed request at all. The next read is
 * then not due for a touch, so an active user's cookie can lapse up to one touch interval before the
 * record does. And when the follow-up `touch` for a session whose own idle timeout is shorter fails twice,
 * the request fails (503, reported) with the record keeping the manager's idle expiry until its next due
 * read: a copy of its cookie could open it for up to the manager's idle timeout after that read.
 */
export interface GetAndTouchStore {
  /**
   * Like get; when the record is live, its expiry <= touch.ifExpiresBy and touch.expiresAt > its expiry,
   * moves the expiry to touch.expiresAt as `touch` would (data kept, never creates or revives a record) and
   * answers touched: true with the new expiresAt. Missing or expired: null.
   */
  getAndTouch(key: string, touch: TouchIfDue): Promise<TouchedSession | null>;
}

/** Optional: sessions indexed by user, so a user's sessions can be listed and revoked. */
export interface UserIndexStore {
  /** Lists the live sessions bound to a user, in no particular order. */
  listByUser(userId: string): Promise<StoredUserSession[]>;
}

/** Optional: removal of expired records, for stores without native TTLs. */
export interface ExpiredDeletionStore {
  /**
   * Deletes expired records.
   * @returns how many were deleted (0 for stores whose backend expires records by itself).
   */
  deleteExpired(): Promise<number>;
}

/** Optional: releases what the store opened. A client the user passed in is the user's to close. */
export interface ClosableStore {
  close(): Promise<void>;
}

/** A store with any subset of the optional capabilities. */
export type AnySessionStore = SessionStore &
  Partial<CompareAndSetStore & GetAndTouchStore & UserIndexStore & ExpiredDeletionStore & ClosableStore>;

/** The capabilities a store has, detected once when the manager is built. */
export interface StoreCapabilities {
  readonly compareAndSet: boolean;
  readonly getAndTouch: boolean;
  readonly userIndex: boolean;
  readonly deleteExpired: boolean;
  readonly close: boolean;
}

/** Detects a store's optional capabilities. Called once per manager, never per request. */
export function storeCapabilities(store: AnySessionStore): StoreCapabilities {
  return {
    compareAndSet: typeof store.compareAndSet === 'function',
    getAndTouch: typeof store.getAndTouch === 'function',
    userIndex: typeof store.listByUser === 'function',
    deleteExpired: typeof store.deleteExpired === 'function',
    close: typeof store.close === 'function',
  };
}
