import { configError } from './errors.ts';
import type {
  ClosableStore,
  CompareAndSetStore,
  ExpiredDeletionStore,
  GetAndTouchStore,
  SessionStore,
  SessionWrite,
  StoredSession,
  StoredUserSession,
  TouchedSession,
  TouchIfDue,
  UserIndexStore,
} from './store.ts';

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Most records held at once. Past it, the least recently used record is evicted (its user is
   * signed out), so a flood of new sessions can never grow the process without bound. Recency is kept
   * to within the most recent quarter: a record used again while already in it keeps its place.
   * @default 10_000
   */
  readonly maxEntries?: number;
  /**
   * Most bytes held at once, counted as {@link MemoryStore.bytes} counts them. Past it, least recently
   * used records are evicted until the rest fits, so a few large sessions (each up to the manager's
   * `maxPayloadBytes`) cannot grow the process without bound either: with the defaults, 10 000 records
   * of 128 KiB would be 2.5 GiB. The record just written is never evicted by its own write.
   * @default 67_108_864 (64 MiB)
   */
  readonly maxBytes?: number;
  /**
   * Milliseconds between sweeps that reclaim expired records nobody reads any more. The timer starts
   * with the first record (edge runtimes refuse timers in global scope), never keeps the process
   * alive, and stops on `close()`. `0` turns it off: expired records are then dropped on read, on
   * eviction and by `deleteExpired()`.
   * @default 60_000
   */
  readonly sweepInterval?: number;
  /**
   * The clock, epoch milliseconds. Inject a fake one in tests; the default reads `Date.now()` on each
   * call, so `vi.useFakeTimers()` moves it too.
   * @default () => Date.now()
   */
  readonly now?: () => number;
  /**
   * Warn once per process, through `console.warn`, that memory sessions are lost on restart and are
   * not shared between instances. Tests pass `false`.
   * @default true
   */
  readonly warn?: boolean;
}

/**
 * The store {@link memoryStore} returns: every required method and every optional capability.
 */
export interface MemoryStore
  extends SessionStore,
    CompareAndSetStore,
    GetAndTouchStore,
    UserIndexStore,
    ExpiredDeletionStore,
    ClosableStore {
  /** How many records are held right now, expired ones not yet reclaimed included. */
  readonly size: number;
  /**
   * The memory the records held right now take, estimated: two bytes per character (JavaScript
   * strings are UTF-16) of each key, data and user id, plus 128 bytes of bookkeeping per record.
   * Expired records not yet reclaimed count too.
   */
  readonly bytes: number;
}

/** Bytes counted for each record besides its strings (its entry object, Map slots, version). */
const RECORD_OVERHEAD = 128;

/** Records visited per sweep slice before the sweep yields to the event loop. */
const SWEEP_SLICE = 1_000;

const DEFAULT_MAX_ENTRIES = 10_000;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const DEFAULT_SWEEP_INTERVAL = 60_000;

let warned = false;

/**
 * A session store in this process's memory: bounded (least recently used records are evicted past
 * `maxEntries` records or `maxBytes` bytes), aware of expiry (an expired record is never returned and is dropped when met), and
 * reclaiming expired records on a timer that never keeps the process alive. It has every optional
 * capability: insert-only `create`, `touch`, `getAndTouch`, `compareAndSet` (versions are a per-store counter), the
 * per-user index and `deleteExpired`.
 *
 * What it is for: a single instance, development, and tests. What it is not: sessions kept in memory
 * are lost whenever the process restarts or deploys, and are invisible to every other process or
 * instance behind the same load balancer, so users would be signed out at random. Run several
 * instances, or want sessions to survive a deploy, and use a shared store (Redis, Memcached, SQL
 * through Kysely). It warns about this once per process unless `warn` is `false`.
 *
 * Web-standard code only, so it runs on Node, Bun, Deno and edge runtimes (where an isolate's memory
 * is even shorter-lived).
 *
 * @throws SessionError (`SESSION_CONFIG`) when `maxEntries` or `maxBytes` is not a positive integer or
 *   `sweepInterval` is not a non-negative finite number.
 * @example
 * import { createSessionManager, memoryStore } from '@cloakroom/session-core';
 *
 * const store = memoryStore({ maxEntries: 50_000, maxBytes: 256 * 1024 * 1024 });
 * const sessions = createSessionManager({ store, secret: process.env.SESSION_SECRET! });
 * // on shutdown: await store.close();
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw configError(`memoryStore({ maxEntries }) must be a positive integer, got ${String(maxEntries)}.`);
  }
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw configError(`memoryStore({ maxBytes }) must be a positive integer, got ${String(maxBytes)}.`);
  }
  const sweepInterval = options.sweepInterval ?? DEFAULT_SWEEP_INTERVAL;
  if (!Number.isFinite(sweepInterval) || sweepInterval < 0) {
    throw configError(
      `memoryStore({ sweepInterval }) must be a number of milliseconds (0 turns the sweep off), got ${String(sweepInterval)}.`,
    );
  }
  if (options.warn !== false && !warned) {
    warned = true;
    console.warn(
      '@cloakroom/session-core: memoryStore() keeps sessions in this process only: they are lost on every ' +
        'restart and not shared with other instances. Use a shared store (Redis, Memcached, SQL) in ' +
        'production or with more than one instance; pass { warn: false } to silence this.',
    );
  }
  return new InMemoryStore(maxEntries, maxBytes, sweepInterval, options.now ?? (() => Date.now()));
}

interface Entry {
  data: string;
  expiresAt: number;
  version: string;
  userId: string | null;
  /** What the record counts towards `maxBytes`. */
  bytes: number;
  /** The store's use count when the record last moved to the recent end (see #bump). */
  used: number;
}

type TimerHandle = ReturnType<typeof setTimeout>;

class InMemoryStore implements MemoryStore {
  /** Records in recency order: the first is the least recently used. */
  readonly #entries = new Map<string, Entry>();
  /** userId -> keys of that user's records; kept in step by #insert and #remove only. */
  readonly #byUser = new Map<string, Set<string>>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  #bytes = 0;
  readonly #now: () => number;
  readonly #sweepInterval: number;
  #counter = 0;
  /** Counts inserts and moves to the recent end: how far back a record's last move is. */
  #uses = 0;
  #closed = false;
  #interval: ReturnType<typeof setInterval> | undefined;
  #slice: TimerHandle | undefined;
  #sweep: { iterator: Iterator<[string, Entry]>; left: number } | undefined;

  constructor(maxEntries: number, maxBytes: number, sweepInterval: number, now: () => number) {
    this.#maxEntries = maxEntries;
    this.#maxBytes = maxBytes;
    this.#now = now;
    this.#sweepInterval = sweepInterval;
  }

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  async get(key: string): Promise<StoredSession | null> {
    const entry = this.#live(key);
    if (entry === undefined) return null;
    this.#bump(key, entry);
    return { data: entry.data, expiresAt: entry.expiresAt, version: entry.version };
  }

  async create(key: string, write: SessionWrite): Promise<string | null> {
    if (this.#live(key) !== undefined) return null;
    return this.#insert(key, write);
  }

  async set(key: string, write: SessionWrite): Promise<string> {
    const entry = this.#live(key);
    return entry === undefined ? this.#insert(key, write) : this.#replace(key, entry, write);
  }

  async touch(key: string, expiresAt: number): Promise<boolean> {
    const entry = this.#live(key);
    if (entry === undefined) return false;
    entry.expiresAt = expiresAt;
    this.#bump(key, entry);
    return true;
  }

  async getAndTouch(key: string, touch: TouchIfDue): Promise<TouchedSession | null> {
    const entry = this.#live(key);
    if (entry === undefined) return null;
    const touched =
      entry.expiresAt > touch.now &&
      entry.expiresAt <= touch.ifExpiresBy &&
      touch.expiresAt > entry.expiresAt;
    if (touched) entry.expiresAt = touch.expiresAt;
    this.#bump(key, entry);
    return { data: entry.data, expiresAt: entry.expiresAt, version: entry.version, touched };
  }

  async delete(key: string): Promise<void> {
    this.#remove(key);
  }

  async compareAndSet(key: string, version: string, write: SessionWrite): Promise<string | null> {
    const entry = this.#live(key);
    if (entry === undefined || entry.version !== version) return null;
    return this.#replace(key, entry, write);
  }

  async listByUser(userId: string): Promise<StoredUserSession[]> {
    const keys = this.#byUser.get(userId);
    if (keys === undefined) return [];
    const now = this.#now();
    const sessions: StoredUserSession[] = [];
    // Copy first: dropping an expired record edits the set being read.
    for (const key of [...keys]) {
      const entry = this.#entries.get(key);
      if (entry === undefined) continue;
      if (entry.expiresAt <= now) {
        this.#remove(key);
        continue;
      }
      sessions.push({ key, data: entry.data, expiresAt: entry.expiresAt, version: entry.version });
    }
    return sessions;
  }

  async deleteExpired(): Promise<number> {
    const now = this.#now();
    let deleted = 0;
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) {
        this.#remove(key);
        deleted++;
      }
    }
    return deleted;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#interval !== undefined) clearInterval(this.#interval);
    if (this.#slice !== undefined) clearTimeout(this.#slice);
    this.#interval = undefined;
    this.#slice = undefined;
    this.#sweep = undefined;
  }

  /** The record under `key` if it is live; an expired one is dropped on the way. */
  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#remove(key);
      return undefined;
    }
    return entry;
  }

  /**
   * Marks a record as just used. A record moved within the most recent quarter of the store stays where
   * it is: it is far from eviction either way, and a Map delete-and-set on every read (tombstones, then a
   * rehash of the whole Map) was the costliest line of a cached read.
   */
  #bump(key: string, entry: Entry): void {
    if (this.#uses - entry.used < this.#entries.size >> 2) return;
    entry.used = ++this.#uses;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
  }

  #insert(key: string, write: SessionWrite): string {
    // Copy the fields: the caller's object stays the caller's.
    const version = String(++this.#counter);
    const { data, expiresAt, userId } = write;
    const bytes = 2 * (key.length + data.length + (userId?.length ?? 0)) + RECORD_OVERHEAD;
    const entry: Entry = { data, expiresAt, version, userId, bytes, used: ++this.#uses };
    this.#entries.set(key, entry);
    this.#bytes += bytes;
    if (this.#interval === undefined) this.#startTimer();
    this.#index(key, userId);
    // The new record is the most recent: with more than one record held, the oldest is another one.
    this.#evictFor(key);
    return version;
  }

  /**
   * Rewrites a live record in place (a new version), as the most recently used: a remove and an insert
   * of the same key is a Map delete-and-set, the costliest line of a cached write.
   */
  #replace(key: string, entry: Entry, write: SessionWrite): string {
    const { data, expiresAt, userId } = write;
    const bytes = 2 * (key.length + data.length + (userId?.length ?? 0)) + RECORD_OVERHEAD;
    if (entry.userId !== userId) {
      this.#unindex(key, entry.userId);
      this.#index(key, userId);
    }
    this.#bytes += bytes - entry.bytes;
    entry.data = data;
    entry.expiresAt = expiresAt;
    entry.userId = userId;
    entry.bytes = bytes;
    entry.version = String(++this.#counter);
    this.#bump(key, entry);
    this.#evictFor(key);
    return entry.version;
  }

  #index(key: string, userId: string | null): void {
    if (userId === null) return;
    let keys = this.#byUser.get(userId);
    if (keys === undefined) {
      keys = new Set();
      this.#byUser.set(userId, keys);
    }
    keys.add(key);
  }

  #unindex(key: string, userId: string | null): void {
    if (userId === null) return;
    const keys = this.#byUser.get(userId);
    if (keys === undefined) return;
    keys.delete(key);
    if (keys.size === 0) this.#byUser.delete(userId);
  }

  /** Evicts the least recently used records while over a bound, never `kept` (the one just written). */
  #evictFor(kept: string): void {
    while (
      this.#entries.size > 1 &&
      (this.#entries.size > this.#maxEntries || this.#bytes > this.#maxBytes)
    ) {
      const oldest = this.#entries.keys().next();
      if (oldest.done || oldest.value === kept) break;
      this.#remove(oldest.value);
    }
  }

  #remove(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
    this.#unindex(key, entry.userId);
  }

  /**
   * Starts the sweep timer with the first record rather than at construction: edge runtimes such as
   * Cloudflare Workers refuse timers in a module's global scope, where stores are usually built.
   */
  #startTimer(): void {
    if (this.#closed || this.#sweepInterval === 0) return;
    this.#interval = setInterval(() => this.#startSweep(), this.#sweepInterval);
    unref(this.#interval);
  }

  /** Starts a sweep round unless one is still running. */
  #startSweep(): void {
    if (this.#sweep !== undefined) return;
    // A round visits at most as many records as there were when it began, so records moved to the end
    // by reads during the round cannot keep it going forever.
    this.#sweep = { iterator: this.#entries.entries(), left: this.#entries.size };
    this.#sweepSlice();
  }

  /** Sweeps one bounded slice, then yields to the event loop before the next. */
  #sweepSlice(): void {
    this.#slice = undefined;
    const sweep = this.#sweep;
    if (sweep === undefined) return;
    const now = this.#now();
    for (let visited = 0; visited < SWEEP_SLICE; visited++) {
      const next = sweep.left > 0 ? sweep.iterator.next() : undefined;
      if (next === undefined || next.done) {
        this.#sweep = undefined;
        return;
      }
      sweep.left--;
      // Deleting the current entry while iterating a Map is well defined.
      const [key, entry] = next.value;
      if (entry.expiresAt <= now) this.#remove(key);
    }
    this.#slice = setTimeout(() => this.#sweepSlice(), 0);
    unref(this.#slice);
  }
}

type Unref = (timer: unknown) => void;

/** How this runtime lets a timer not keep it alive; detected from the first timer, then reused. */
let unrefStrategy: Unref | undefined;

/**
 * Lets the runtime exit while a timer is pending: Node and Bun timers have `unref()`, Deno has
 * `Deno.unrefTimer(id)`; browsers and edge isolates have neither and need nothing.
 */
function unref(timer: unknown): void {
  unrefStrategy ??= detectUnref(timer);
  unrefStrategy(timer);
}

function detectUnref(timer: unknown): Unref {
  if (typeof timer === 'object' && timer !== null && 'unref' in timer && typeof timer.unref === 'function') {
    return (handle) => (handle as { unref(): void }).unref();
  }
  const deno = (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno;
  if (typeof timer === 'number' && typeof deno?.unrefTimer === 'function') {
    const unrefTimer = deno.unrefTimer;
    return (handle) => unrefTimer(handle as number);
  }
  return () => {};
}
