import { configError, SessionStoreError } from './errors.ts';
import type {
  AnySessionStore,
  ClosableStore,
  GetAndTouchStore,
  SessionStore,
  SessionWrite,
  StoredSession,
  StoredUserSession,
  TouchedSession,
  TouchIfDue,
} from './store.ts';

/** Options of {@link tieredStore}. */
export interface TieredStoreOptions<D extends AnySessionStore = AnySessionStore> {
  /**
   * The fast store in front (memory, Redis, Memcached). It holds copies only: losing it loses no
   * session. Its own user index is not used (copies are written without a user).
   */
  readonly cache: AnySessionStore;
  /** The store of record (SQL through Kysely, usually). Every write reaches it first. */
  readonly durable: D;
  /**
   * Longest time a copy lives in the cache, in milliseconds (never past the session's own expiry).
   * It bounds how long another process may still read a copy that this process could not remove
   * while the cache was unreachable; shorter means fresher copies and more durable reads.
   * @default 60_000
   */
  readonly cacheTtlMs?: number;
  /**
   * Longest wait for one cache operation, in milliseconds, before it counts as a failure and the
   * request goes on with the durable store alone (`0`: only the cache store's own timeout applies).
   * A cache that hangs then costs a request at most this long, and only once per `retryMs`.
   * @default 1_000
   */
  readonly cacheTimeoutMs?: number;
  /**
   * After a cache failure, how long the cache is left alone before it is tried again, in
   * milliseconds (requests meanwhile use the durable store only, without waiting on the cache).
   * Removals that could not reach the cache are retried on this period too.
   * @default 5_000
   */
  readonly retryMs?: number;
  /**
   * Most keys remembered for a later cache removal while the cache is unreachable. Past it, the
   * cache is not read at all until `cacheTtlMs` after the last removal it missed, when every copy
   * it could still hold has expired.
   * @default 10_000
   */
  readonly maxPendingRemovals?: number;
  /**
   * Receives every cache failure, as a `SessionStoreError` whose `operation` is `cache.<method>`.
   * Requests never fail because of the cache.
   * @default logs with `console.warn`
   */
  readonly onError?: (error: SessionStoreError) => void;
  /**
   * The clock, epoch milliseconds.
   * @default () => Date.now()
   */
  readonly now?: () => number;
}

/**
 * The optional capabilities a tiered store has: those of its durable store, plus `close` and
 * `getAndTouch` (always: a read that is not due is answered by the cache alone).
 */
export type TieredSessionStore<D extends AnySessionStore = AnySessionStore> = SessionStore &
  ClosableStore &
  GetAndTouchStore &
  Pick<D, Extract<keyof D, 'compareAndSet' | 'listByUser' | 'deleteExpired'>>;

const DEFAULT_CACHE_TTL = 60_000;
const DEFAULT_RETRY = 5_000;
const DEFAULT_CACHE_TIMEOUT = 1_000;
const DEFAULT_MAX_PENDING = 10_000;
/** Marks a cache value written by this store, so anything else in the cache reads as a miss. */
const ENVELOPE = 'ct1';
const FAILED: unique symbol = Symbol('cache failed');

interface CachedRecord {
  readonly version: string;
  readonly expiresAt: number;
  readonly data: string;
}

function encode(record: CachedRecord): string {
  return JSON.stringify([ENVELOPE, record.version, record.expiresAt, record.data]);
}

function decode(value: string): CachedRecord | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 4 || parsed[0] !== ENVELOPE) return null;
  const [, version, expiresAt, data] = parsed as unknown[];
  if (typeof version !== 'string' || typeof expiresAt !== 'number' || typeof data !== 'string') return null;
  return { version, expiresAt, data };
}

/** Whether a record with this expiry is due for `touch` (see TouchIfDue). */
function isDue(expiresAt: number, touch: TouchIfDue): boolean {
  return expiresAt > touch.now && expiresAt <= touch.ifExpiresBy && touch.expiresAt > expiresAt;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw configError(`tieredStore({ ${name} }) must be a positive number, got ${String(value)}.`);
  }
  return value;
}

/**
 * A cache store in front of a durable store, like Django's `cached_db` sessions: reads are served by
 * the cache and fall back to the durable store (filling the cache); writes go to the durable store
 * first, then to the cache; `delete` removes both. Store-agnostic: any two stores compose.
 *
 * The durable store is the truth. Its errors reject as usual; the cache's never do: a cache outage
 * degrades to durable-only service, reported through `onError`.
 *
 * Copies carry the durable version and expiry, and live at most `cacheTtlMs`. A removal (delete,
 * touch, a lost compare-and-set) that cannot reach the cache is remembered: the key is never read
 * from the cache again until the removal has gone through, retried every `retryMs`, so a session
 * destroyed during a cache outage does not come back when the cache does. Another process sharing the
 * cache may still read such a copy until the retry lands or the copy's `cacheTtlMs` runs out.
 *
 * `compareAndSet`, `listByUser` and `deleteExpired` exist when the durable store has them and go to
 * it; `touch` moves the durable expiry and drops the cached copy (the next read refills it); `close`
 * closes both stores.
 *
 * `getAndTouch` is always there. A cached copy whose expiry is not due is the answer: one call to the
 * cache, nothing to the durable store. A due one, or a miss, goes to the durable store (its own
 * `getAndTouch` when it has one, one round trip; else `get` then `touch`), whose answer is the truth and
 * refreshes the copy. The cache is never touched by itself: the durable expiry decides who is signed in.
 *
 * @throws SessionError (`SESSION_CONFIG`) when a store is missing or an option is not a positive number.
 * @example
 * import { tieredStore } from '@cloakroom/session-core';
 * import { redisStore } from '@cloakroom/session-redis';
 * import { kyselyStore } from '@cloakroom/session-kysely';
 *
 * const store = tieredStore({
 *   cache: redisStore({ client: redis, prefix: 'sess:' }),
 *   durable: kyselyStore({ db }),
 *   onError: (error) => logger.warn(error),
 * });
 */
export function tieredStore<D extends AnySessionStore>(
  options: TieredStoreOptions<D>,
): TieredSessionStore<D> {
  const tiered = new TieredStore(options);
  const { durable } = options;
  const store: SessionStore & ClosableStore & GetAndTouchStore & Partial<Record<string, unknown>> = {
    get: (key) => tiered.get(key),
    create: (key, write) => tiered.create(key, write),
    set: (key, write) => tiered.set(key, write),
    touch: (key, expiresAt) => tiered.touch(key, expiresAt),
    getAndTouch: (key, touch) => tiered.getAndTouch(key, touch),
    delete: (key) => tiered.delete(key),
    close: () => tiered.close(),
  };
  // Capabilities are detected with typeof, once: only offer what the durable store can do.
  if (typeof durable.compareAndSet === 'function') {
    store.compareAndSet = (key: string, version: string, write: SessionWrite) =>
      tiered.compareAndSet(key, version, write);
  }
  if (typeof durable.listByUser === 'function') {
    store.listByUser = (userId: string) => tiered.listByUser(userId);
  }
  if (typeof durable.deleteExpired === 'function') {
    store.deleteExpired = () => tiered.deleteExpired();
  }
  return store as TieredSessionStore<D>;
}

class TieredStore {
  readonly #cache: AnySessionStore;
  readonly #durable: AnySessionStore;
  readonly #cacheTtl: number;
  readonly #retry: number;
  readonly #cacheTimeout: number;
  readonly #maxPending: number;
  readonly #onError: (error: SessionStoreError) => void;
  readonly #now: () => number;

  /** The cache is left alone until then, after a failure. */
  #bypassUntil = 0;
  /** The cache is not read at all until then (the pending set overflowed). */
  #untrustedUntil = 0;
  /** Keys whose cached copy may be stale: never read from the cache until removed from it. */
  readonly #pending = new Set<string>();
  #draining: Promise<void> | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Reads in flight per key, and keys written while one was in flight (their fill would be stale). */
  readonly #filling = new Map<string, number>();
  readonly #changed = new Set<string>();
  #closed = false;

  constructor(options: TieredStoreOptions) {
    if (!options || typeof options !== 'object') throw configError('tieredStore() needs { cache, durable }.');
    for (const name of ['cache', 'durable'] as const) {
      const store = options[name];
      if (!store || typeof store.get !== 'function' || typeof store.set !== 'function') {
        throw configError(`tieredStore({ ${name} }) must be a session store.`);
      }
    }
    if (options.cache === options.durable) throw configError('tieredStore() needs two different stores.');
    this.#cache = options.cache;
    this.#durable = options.durable;
    this.#cacheTtl = positive('cacheTtlMs', options.cacheTtlMs, DEFAULT_CACHE_TTL);
    this.#retry = positive('retryMs', options.retryMs, DEFAULT_RETRY);
    this.#cacheTimeout =
      options.cacheTimeoutMs === 0
        ? 0
        : positive('cacheTimeoutMs', options.cacheTimeoutMs, DEFAULT_CACHE_TIMEOUT);
    this.#maxPending = positive('maxPendingRemovals', options.maxPendingRemovals, DEFAULT_MAX_PENDING);
    this.#onError =
      options.onError ??
      ((error) =>
        console.warn(
          '@cloakroom/session-core: tiered store cache failed; serving from the durable store.',
          error,
        ));
    this.#now = options.now ?? (() => Date.now());
  }

  async get(key: string): Promise<StoredSession | null> {
    this.#drain();
    const cached = await this.#cached(key);
    if (cached !== null && cached !== 'stale') return cached;
    return this.#readDurable(key, cached === 'stale', () => this.#durable.get(key));
  }

  async getAndTouch(key: string, touch: TouchIfDue): Promise<TouchedSession | null> {
    this.#drain();
    const cached = await this.#cached(key);
    if (cached !== null && cached !== 'stale' && !isDue(cached.expiresAt, touch)) {
      return { ...cached, touched: false };
    }
    const getAndTouch = this.#durable.getAndTouch;
    if (getAndTouch) {
      // Probably a touch: a write, so a read racing it never caches the expiry it replaces.
      this.#changing(key);
      const record = await getAndTouch.call(this.#durable, key, touch);
      if (record === null) await this.#remove(key);
      else await this.#write(key, record, true);
      return record;
    }
    const record = await this.#readDurable(key, cached === 'stale', () => this.#durable.get(key));
    if (record === null || !isDue(record.expiresAt, touch)) return record && { ...record, touched: false };
    // A record gone meanwhile reads as gone, as touch() says.
    if (!(await this.touch(key, touch.expiresAt))) return null;
    return { ...record, expiresAt: touch.expiresAt, touched: true };
  }

  /** The cache's live copy; 'stale' for a value that is not ours or past its expiry; null for none. */
  async #cached(key: string): Promise<CachedRecord | 'stale' | null> {
    if (!this.#readable(key)) return null;
    const hit = await this.#cacheCall('get', () => this.#cache.get(key));
    if (hit === FAILED || hit === null) return null;
    const record = decode(hit.data);
    return record && record.expiresAt > this.#now() ? record : 'stale';
  }

  /** Reads the durable store, then fills the cache (or drops a stale copy: `cachedCopy`). */
  async #readDurable(
    key: string,
    cachedCopy: boolean,
    read: () => Promise<StoredSession | null>,
  ): Promise<StoredSession | null> {
    this.#filling.set(key, (this.#filling.get(key) ?? 0) + 1);
    try {
      const record = await read();
      if (record) await this.#fill(key, record);
      else if (cachedCopy) await this.#remove(key);
      return record;
    } finally {
      const left = (this.#filling.get(key) ?? 1) - 1;
      if (left > 0) this.#filling.set(key, left);
      else {
        this.#filling.delete(key);
        this.#changed.delete(key);
      }
    }
  }

  async create(key: string, write: SessionWrite): Promise<string | null> {
    this.#changing(key);
    const version = await this.#durable.create(key, write);
    if (version !== null) await this.#put(key, version, write);
    return version;
  }

  async set(key: string, write: SessionWrite): Promise<string> {
    this.#changing(key);
    const version = await this.#durable.set(key, write);
    await this.#put(key, version, write);
    return version;
  }

  async compareAndSet(key: string, version: string, write: SessionWrite): Promise<string | null> {
    const compareAndSet = this.#durable.compareAndSet;
    if (!compareAndSet)
      throw new SessionStoreError('compareAndSet', 'The durable store cannot compare-and-set');
    this.#changing(key);
    const next = await compareAndSet.call(this.#durable, key, version, write);
    // A conflict means the caller read an outdated version, perhaps from the cache: drop the copy so
    // the re-read that follows goes to the durable store.
    if (next === null) await this.#remove(key);
    else await this.#put(key, next, write);
    return next;
  }

  async touch(key: string, expiresAt: number): Promise<boolean> {
    this.#changing(key);
    // The durable store's answer is the truth: a record destroyed meanwhile must read as gone (false),
    // whatever the cache still holds, or core would re-send the cookie of a session rotated elsewhere.
    const alive = await this.#durable.touch(key, expiresAt);
    // The copy's expiry is now wrong, and touch has no data to rewrite it with: drop it.
    await this.#remove(key);
    return alive;
  }

  async delete(key: string): Promise<void> {
    this.#changing(key);
    await this.#durable.delete(key);
    await this.#remove(key);
  }

  async listByUser(userId: string): Promise<StoredUserSession[]> {
    const listByUser = this.#durable.listByUser;
    if (!listByUser) throw new SessionStoreError('listByUser', 'The durable store has no per-user index');
    return listByUser.call(this.#durable, userId);
  }

  async deleteExpired(): Promise<number> {
    const deleteExpired = this.#durable.deleteExpired;
    if (!deleteExpired)
      throw new SessionStoreError('deleteExpired', 'The durable store cannot delete expired records');
    return deleteExpired.call(this.#durable);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    await this.#draining;
    const results = await Promise.allSettled([this.#cache.close?.(), this.#durable.close?.()]);
    for (const result of results) {
      if (result.status === 'rejected') throw SessionStoreError.from('close', result.reason);
    }
  }

  /** Whether the cache may answer a read for this key. */
  #readable(key: string): boolean {
    const now = this.#now();
    return now >= this.#bypassUntil && now >= this.#untrustedUntil && !this.#pending.has(key);
  }

  #changing(key: string): void {
    if (this.#filling.has(key)) this.#changed.add(key);
  }

  /** Writes a fresh copy after a durable write; when that is not possible, the old copy must go. */
  async #put(key: string, version: string, write: SessionWrite): Promise<void> {
    await this.#write(key, { version, expiresAt: write.expiresAt, data: write.data }, true);
  }

  /** Copies what a durable read returned, unless a write raced the read. */
  async #fill(key: string, record: StoredSession): Promise<void> {
    if (this.#changed.has(key)) return;
    await this.#write(key, record, false);
    // A write that landed while the copy was on its way may have been overtaken by it.
    if (this.#changed.has(key)) await this.#remove(key);
  }

  async #write(key: string, record: CachedRecord, replacing: boolean): Promise<void> {
    if (this.#pending.has(key) || this.#now() < this.#bypassUntil) {
      // A stale copy may sit in the cache: the pending removal takes care of it.
      if (replacing) this.#remember(key);
      return;
    }
    const expiresAt = Math.min(record.expiresAt, this.#now() + this.#cacheTtl);
    const result = await this.#cacheCall('set', () =>
      this.#cache.set(key, { data: encode(record), expiresAt, absoluteExpiresAt: expiresAt, userId: null }),
    );
    if (result === FAILED && replacing) this.#remember(key);
  }

  async #remove(key: string): Promise<void> {
    if (this.#pending.has(key) || this.#now() < this.#bypassUntil) {
      this.#remember(key);
      return;
    }
    const result = await this.#cacheCall('delete', () => this.#cache.delete(key));
    if (result === FAILED) this.#remember(key);
  }

  /** Remembers a removal the cache did not get, for the retry. */
  #remember(key: string): void {
    if (this.#pending.size >= this.#maxPending && !this.#pending.has(key)) {
      // Too many to remember: stop reading the cache until every copy it could hold has expired.
      this.#untrustedUntil = this.#now() + this.#cacheTtl;
    } else {
      this.#pending.add(key);
    }
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    if (this.#closed || this.#retryTimer !== undefined) return;
    this.#retryTimer = setTimeout(
      () => {
        this.#retryTimer = undefined;
        this.#drain();
        // A drain that started re-arms the timer when it ends; otherwise try again later.
        if (!this.#draining && this.#pending.size > 0) this.#scheduleRetry();
      },
      Math.max(0, this.#bypassUntil - this.#now()) + 1,
    );
    // Never keep a process alive for a retry (Node's timers have unref; other runtimes' do not need it).
    (this.#retryTimer as { unref?: () => void }).unref?.();
  }

  /** Sends the remembered removals to the cache, in the background, once it may be tried again. */
  #drain(): void {
    if (this.#pending.size === 0 || this.#draining || this.#now() < this.#bypassUntil) return;
    this.#draining = (async () => {
      for (const key of [...this.#pending]) {
        const result = await this.#cacheCall('delete', () => this.#cache.delete(key));
        if (result === FAILED) return;
        this.#pending.delete(key);
      }
    })().finally(() => {
      this.#draining = undefined;
      if (this.#pending.size > 0) this.#scheduleRetry();
    });
  }

  async #cacheCall<T>(operation: string, call: () => Promise<T>): Promise<T | typeof FAILED> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const pending = call();
      if (this.#cacheTimeout === 0) return await pending;
      // Settles later, unobserved, when the timeout wins: never an unhandled rejection.
      pending.catch(() => {});
      const ms = this.#cacheTimeout;
      return await Promise.race([
        pending,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
        }),
      ]);
    } catch (error) {
      this.#bypassUntil = this.#now() + this.#retry;
      try {
        this.#onError(
          new SessionStoreError(
            `cache.${operation}`,
            `Session cache ${operation} failed; the tiered store serves from the durable store`,
            error,
          ),
        );
      } catch {
        // A throwing error hook must not turn a cache failure into a failed request.
      }
      return FAILED;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }
}
