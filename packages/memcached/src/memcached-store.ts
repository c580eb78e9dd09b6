import {
  type ClosableStore,
  type CompareAndSetStore,
  type GetAndTouchStore,
  SessionError,
  type SessionStore,
  SessionStoreError,
  type SessionWrite,
  type StoredSession,
  type TouchedSession,
  type TouchIfDue,
} from '@cloakroom/session-core';
import { MemcacheClient, type MemcacheClientOptions } from 'memcache-client';
import { exptime } from './expiry.ts';
import { HashRing } from './ring.ts';

/** Options of {@link memcachedStore}. Give exactly one of `servers` and `clients`. */
export interface MemcachedStoreOptions {
  /**
   * The servers, as `host:port` strings or one string separated by commas or spaces (the shape of a
   * `MEMCACHED_SERVERS` variable). The store opens one `MemcacheClient` per server with
   * `clientOptions`, spreads keys over them by consistent hashing, and closes them in `close()`.
   * @example ['10.0.0.1:11211', '10.0.0.2:11211']
   */
  servers?: string | readonly string[];
  /**
   * Clients you constructed, one per server (each with a single `server`). Keys are spread over them
   * by consistent hashing on their server address. They stay yours: `close()` does not shut them down.
   * A client configured with several servers is refused, because memcache-client sends each command to
   * one of them at random (redundancy, not sharding), so reads would miss.
   */
  clients?: readonly MemcacheClient[];
  /**
   * Options for the clients the store opens from `servers` (ignored with `clients`).
   * @default { connectTimeout: timeout, cmdTimeout: timeout, noDelay: true }
   */
  clientOptions?: Omit<MemcacheClientOptions, 'server'>;
  /**
   * Prepended to every key. Printable ASCII without spaces, at most {@link MAX_PREFIX_BYTES} bytes, so
   * that prefix + 43-character key (+ 2 for the expiry record) stays within Memcached's 250-byte limit.
   * @default 'sess:'
   */
  prefix?: string;
  /**
   * How long one command may take, in milliseconds, before the store gives up on it with a
   * `SessionStoreError`. A server that refuses connections fails at once; this bounds a server that
   * does not answer at all.
   * @default 1000
   */
  timeout?: number;
  /**
   * The server's item size limit in bytes (memcached `-I`). Records larger than this, key and overhead
   * included, are refused with a `SessionStoreError` before they are sent; a server with a smaller
   * limit refuses them itself, with the same error. Never truncated.
   * @default 1048576
   */
  maxItemSize?: number;
}

/**
 * The longest prefix, in bytes, that keeps every key within Memcached's 250-byte limit: 250 less the
 * 43-character session key and the 2-character suffix of the expiry companion item.
 * @example
 * if (prefix.length > MAX_PREFIX_BYTES) throw new Error('prefix too long');
 */
export const MAX_PREFIX_BYTES: number = 250 - 43 - 2;

const PACKAGE = '@cloakroom/session-memcached';
const ENVELOPE_TAG = 'c1';
/** Suffix of the small record that carries the expiry set by `touch` (see README, "How touch works"). */
const TOUCH_SUFFIX = '~t';
/** Item header, CAS and line endings memcached adds to each item, rounded up. */
const ITEM_OVERHEAD = 96;
/** Returned when a write cannot name its own CAS token; it never matches one, so a later CAS conflicts. */
const UNKNOWN_VERSION = 'unknown';
const CAS_TOKEN = /^[1-9][0-9]{0,19}$/;
const VALID_KEY = /^[\x21-\x7e]+$/;

interface Shard {
  readonly id: string;
  readonly client: MemcacheClient;
}

interface Envelope {
  readonly expiresAt: number;
  readonly nonce: string;
  readonly data: string;
}

interface Current {
  readonly cas: string;
  readonly envelope: Envelope | null;
  /** Effective expiry: from the latest `touch` when it belongs to this version, else from the write. */
  readonly expiresAt: number;
}

type Retrieved = Record<string, { casUniq?: string | number; value: unknown } | undefined>;

function configError(message: string): SessionError {
  return new SessionError('SESSION_CONFIG', `${PACKAGE}: ${message}`);
}

/** What memcache-client rejects with for a protocol outcome such as `NOT_STORED` or `EXISTS`. */
function reply(error: unknown): string | undefined {
  return error instanceof Error ? error.message : undefined;
}

function randomNonce(): string {
  const bytes = new Uint8Array(9);
  crypto.getRandomValues(bytes);
  return Buffer.from(bytes).toString('base64url');
}

function parseEnvelope(value: unknown): Envelope | null {
  if (typeof value !== 'string') return null;
  const newline = value.indexOf('\n');
  if (newline < 0) return null;
  const [tag, expiry, nonce] = value.slice(0, newline).split(' ');
  const expiresAt = Number(expiry);
  if (tag !== ENVELOPE_TAG || !Number.isSafeInteger(expiresAt) || !nonce) return null;
  return { expiresAt, nonce, data: value.slice(newline + 1) };
}

function serverOf(client: MemcacheClient): string | undefined {
  // memcache-client accepts a string, { server }, { servers: [...] } or { server: <either>, config }.
  let server: unknown = client.options?.server;
  for (let depth = 0; depth < 3 && typeof server === 'object' && server !== null; depth++) {
    const entry = server as { server?: unknown; servers?: unknown };
    if (Array.isArray(entry.servers)) {
      if (entry.servers.length !== 1) return undefined;
      server = entry.servers[0];
    } else server = entry.server;
  }
  return typeof server === 'string' ? server : undefined;
}

function parseServers(servers: string | readonly string[]): string[] {
  const list = typeof servers === 'string' ? servers.split(/[\s,]+/) : [...servers];
  const result = list.map((server) => server.trim()).filter((server) => server !== '');
  for (const server of result) {
    if (!/^[^\s:/]+:[0-9]{1,5}$/.test(server)) {
      throw configError(`server "${server}" is not "host:port" (for example "127.0.0.1:11211").`);
    }
  }
  return result;
}

/**
 * A session store over one or more Memcached servers. Build it with {@link memcachedStore}.
 *
 * - Records expire natively; `exptime` follows Memcached's 30-day rule.
 * - `create` uses `add` (insert-only); `compareAndSet` uses `cas` with the token from `gets`; the version
 *   token is that CAS token, as a decimal string.
 * - `touch` moves the expiry with `gat` and records it in a small companion item, never rewriting data.
 * - `getAndTouch` is a `get`, and only when the expiry is due, a `touch` and a companion `set` sent
 *   together: one round trip more, instead of the two a separate `touch` costs.
 * - No per-user index and no `deleteExpired`: see the README for why.
 *
 * @example
 * const store = memcachedStore({ servers: ['10.0.0.1:11211', '10.0.0.2:11211'], prefix: 'app:sess:' });
 * store.serverFor(key); // '10.0.0.2:11211'
 */
export class MemcachedStore implements SessionStore, CompareAndSetStore, GetAndTouchStore, ClosableStore {
  readonly #shards: readonly Shard[];
  readonly #ring: HashRing<Shard>;
  readonly #owned: boolean;
  readonly #prefix: string;
  readonly #timeout: number;
  readonly #maxItemSize: number;
  #closed = false;

  /** Use {@link memcachedStore}. */
  constructor(options: MemcachedStoreOptions) {
    const prefix = options.prefix ?? 'sess:';
    if (typeof prefix !== 'string' || !/^[\x21-\x7e]*$/.test(prefix)) {
      throw configError(
        'prefix must be printable ASCII without spaces or control characters (Memcached keys).',
      );
    }
    if (prefix.length > MAX_PREFIX_BYTES) {
      throw configError(
        `prefix is ${prefix.length} bytes; at most ${MAX_PREFIX_BYTES} keep keys within Memcached's 250-byte limit.`,
      );
    }
    const timeout = options.timeout ?? 1000;
    if (!Number.isFinite(timeout) || timeout <= 0)
      throw configError('timeout must be a positive number of milliseconds.');
    const maxItemSize = options.maxItemSize ?? 1024 * 1024;
    if (!Number.isSafeInteger(maxItemSize) || maxItemSize < 1024) {
      throw configError(
        'maxItemSize must be the server item size limit in bytes (memcached -I, 1048576 by default).',
      );
    }
    if ((options.servers === undefined) === (options.clients === undefined)) {
      throw configError('give exactly one of `servers` (addresses the store connects to) and `clients`.');
    }

    let shards: Shard[];
    if (options.servers !== undefined) {
      const servers = parseServers(options.servers);
      shards = servers.map((id) => ({
        id,
        client: new MemcacheClient({
          connectTimeout: timeout,
          cmdTimeout: timeout,
          noDelay: true,
          ...options.clientOptions,
          server: id,
        }),
      }));
      this.#owned = true;
    } else {
      shards = (options.clients ?? []).map((client) => {
        // Duck-typed: a second copy of memcache-client in node_modules would fail `instanceof`.
        const id = typeof client?.retrieve === 'function' ? serverOf(client) : undefined;
        if (id === undefined) {
          throw configError(
            'each client must be a MemcacheClient with a single server; memcache-client picks one of several servers at random per command, so give one client per server.',
          );
        }
        return { id, client };
      });
      this.#owned = false;
    }
    if (shards.length === 0) throw configError('no Memcached server given.');
    const ids = new Set(shards.map((shard) => shard.id));
    if (ids.size !== shards.length) throw configError('the same server is listed twice.');

    this.#shards = shards;
    this.#ring = new HashRing(shards.map((shard) => ({ id: shard.id, value: shard })));
    this.#prefix = prefix;
    this.#timeout = timeout;
    this.#maxItemSize = maxItemSize;
  }

  /** The servers the store spreads keys over, as `host:port`. */
  get servers(): string[] {
    return this.#shards.map((shard) => shard.id);
  }

  /** The server (`host:port`) that holds `key`. */
  serverFor(key: string): string {
    return this.#ring.get(key).id;
  }

  /**
   * Reads a record: one `gets` of the record and its expiry companion.
   * @returns the record, or `null` when it is missing or expired.
   * @throws SessionStoreError when the server fails or does not answer within `timeout`.
   */
  async get(key: string): Promise<StoredSession | null> {
    const shard = this.#shard('get', key);
    const current = await this.#read('get', shard, key);
    if (current === null || current.envelope === null || current.expiresAt <= Date.now()) return null;
    return { data: current.envelope.data, expiresAt: current.expiresAt, version: current.cas };
  }

  /**
   * Reads a record like {@link get}; when it is live, its expiry at or before `touch.ifExpiresBy` and
   * earlier than `touch.expiresAt`, moves the expiry there. Memcached's `gat` could move the TTL while
   * reading, but not the expiry the record carries (its companion item), and whether a touch is due is
   * known only once the record is read. So: one `gets` (a read that is not due ends there), then, when
   * due, `touch <key>` and `set <key>~t` sent together on the server's connection: two round trips,
   * where `get` then `touch` costs three.
   * @returns the record with `touched`, or `null` when it is missing or expired (nothing is revived).
   * @throws SessionStoreError when the server fails or does not answer within `timeout`.
   */
  async getAndTouch(key: string, touch: TouchIfDue): Promise<TouchedSession | null> {
    const shard = this.#shard('getAndTouch', key);
    const current = await this.#read('getAndTouch', shard, key);
    const now = Date.now();
    if (current === null || current.envelope === null || current.expiresAt <= now) return null;
    const stored = { data: current.envelope.data, expiresAt: current.expiresAt, version: current.cas };
    // A record the caller's clock sees expired is answered as get() answers it, never touched.
    const due = current.expiresAt > touch.now && current.expiresAt <= touch.ifExpiresBy;
    if (!(due && touch.expiresAt > current.expiresAt)) {
      return { ...stored, touched: false };
    }
    const ttl = exptime(touch.expiresAt, now);
    const dataKey = this.#prefix + key;
    // The companion is tied to the token read: if another request wrote meanwhile, it is ignored and the
    // new record keeps its own expiry (its TTL moved here is only ever longer than that).
    const [found] = await Promise.all([
      this.#call('getAndTouch', shard, async () => {
        try {
          await shard.client.touch(dataKey, ttl);
          return true;
        } catch (error) {
          if (reply(error) === 'NOT_FOUND') return false;
          throw error;
        }
      }),
      this.#store('getAndTouch', shard, 'set', key + TOUCH_SUFFIX, `${current.cas} ${touch.expiresAt}`, ttl),
    ]);
    // Deleted between the two round trips: nothing to answer (the orphan companion expires unread).
    if (!found) return null;
    return { ...stored, expiresAt: touch.expiresAt, touched: true };
  }

  /**
   * Inserts a record with `add`. A record whose expiry has passed but that the server still holds (its
   * clock ticks in whole seconds) is replaced with a `cas` on its token.
   * @returns the new version, or `null` when a live record has the key.
   * @throws SessionStoreError when the server fails, or the record is over the item size limit.
   */
  async create(key: string, write: SessionWrite): Promise<string | null> {
    const shard = this.#shard('create', key);
    const envelope = this.#envelope('create', key, write);
    for (let attempt = 0; attempt < 2; attempt++) {
      const stored = await this.#store(
        'create',
        shard,
        'add',
        key,
        envelope.text,
        exptime(write.expiresAt, Date.now()),
      );
      if (stored) return this.#versionOf('create', shard, key, envelope.nonce);
      const current = await this.#read('create', shard, key);
      if (current === null) continue; // expired between the two commands: add again
      if (current.envelope !== null && current.expiresAt > Date.now()) return null;
      const replaced = await this.#store(
        'create',
        shard,
        'cas',
        key,
        envelope.text,
        exptime(write.expiresAt, Date.now()),
        current.cas,
      );
      return replaced ? this.#versionOf('create', shard, key, envelope.nonce) : null;
    }
    return null;
  }

  /**
   * Upserts a record with `set`.
   * @returns the new version (the record's CAS token).
   * @throws SessionStoreError when the server fails, or the record is over the item size limit.
   */
  async set(key: string, write: SessionWrite): Promise<string> {
    const shard = this.#shard('set', key);
    const envelope = this.#envelope('set', key, write);
    await this.#store('set', shard, 'set', key, envelope.text, exptime(write.expiresAt, Date.now()));
    return this.#versionOf('set', shard, key, envelope.nonce);
  }

  /**
   * Writes with `cas` only if the record's CAS token still equals `version`.
   * @returns the new version, or `null` on a conflict (the token differs or the record is gone).
   * @throws SessionStoreError when the server fails, or the record is over the item size limit.
   */
  async compareAndSet(key: string, version: string, write: SessionWrite): Promise<string | null> {
    const shard = this.#shard('compareAndSet', key);
    const envelope = this.#envelope('compareAndSet', key, write);
    if (!CAS_TOKEN.test(version)) return null;
    const stored = await this.#store(
      'compareAndSet',
      shard,
      'cas',
      key,
      envelope.text,
      exptime(write.expiresAt, Date.now()),
      version,
    );
    return stored ? this.#versionOf('compareAndSet', shard, key, envelope.nonce) : null;
  }

  /**
   * Moves a record's expiry with `gat` (data is not rewritten, the CAS token stays) and records the new
   * expiry in the record's companion item, tied to that token. A missing key is not an error.
   * @throws SessionStoreError when the server fails.
   */
  async touch(key: string, expiresAt: number): Promise<boolean> {
    const shard = this.#shard('touch', key);
    const ttl = exptime(expiresAt, Date.now());
    if (ttl < 0) {
      await this.delete(key);
      return false;
    }
    const dataKey = this.#prefix + key;
    const touchKey = dataKey + TOUCH_SUFFIX;
    const found = await this.#call('touch', shard, () =>
      shard.client.retrieve<Retrieved>('gats', [String(ttl), dataKey, touchKey]),
    );
    const current = this.#current('touch', found, dataKey, touchKey);
    // No live record (destroyed, regenerated or evicted): say so, so core re-sends no cookie for it.
    if (current === null) return false;
    if (current.envelope === null || current.expiresAt <= Date.now()) {
      // Already expired by its own clock: touching must not bring it back.
      await this.delete(key);
      return false;
    }
    await this.#store('touch', shard, 'set', key + TOUCH_SUFFIX, `${current.cas} ${expiresAt}`, ttl);
    return true;
  }

  /**
   * Deletes a record and its expiry companion. A missing key is not an error.
   * @throws SessionStoreError when the server fails.
   */
  async delete(key: string): Promise<void> {
    const shard = this.#shard('delete', key);
    const dataKey = this.#prefix + key;
    await Promise.all(
      [dataKey, dataKey + TOUCH_SUFFIX].map((memcachedKey) =>
        this.#call('delete', shard, async () => {
          try {
            await shard.client.delete(memcachedKey);
          } catch (error) {
            if (reply(error) !== 'NOT_FOUND') throw error;
          }
        }),
      ),
    );
  }

  /**
   * Shuts down the clients the store opened from `servers`; clients you passed in stay open. Later
   * calls reject with a `SessionStoreError`. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#owned) for (const shard of this.#shards) shard.client.shutdown();
  }

  #shard(op: string, key: string): Shard {
    if (this.#closed) throw new SessionStoreError(op, `${PACKAGE}: the store is closed`);
    if (
      typeof key !== 'string' ||
      !VALID_KEY.test(key) ||
      this.#prefix.length + key.length + TOUCH_SUFFIX.length > 250
    ) {
      throw new SessionStoreError(
        op,
        `${PACKAGE}: invalid key (printable ASCII without spaces, within 250 bytes)`,
      );
    }
    return this.#ring.get(key);
  }

  #envelope(op: string, key: string, write: SessionWrite): { text: string; nonce: string } {
    const nonce = randomNonce();
    const text = `${ENVELOPE_TAG} ${Math.round(write.expiresAt)} ${nonce}\n${write.data}`;
    const size = Buffer.byteLength(text) + this.#prefix.length + key.length + ITEM_OVERHEAD;
    if (size > this.#maxItemSize) throw this.#tooLarge(op, size);
    return { text, nonce };
  }

  #tooLarge(op: string, size?: number): SessionStoreError {
    const what = size === undefined ? 'the session record is' : `the session record is ${size} bytes,`;
    return new SessionStoreError(
      op,
      `${PACKAGE}: ${what} over the Memcached item size limit (maxItemSize ${this.#maxItemSize}, server -I); nothing was written`,
    );
  }

  /** Runs one client command with the store's timeout, wrapping every failure in `SessionStoreError`. */
  async #call<T>(op: string, shard: Shard, command: () => Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new SessionStoreError(
              op,
              `${PACKAGE}: server ${shard.id} did not answer ${op} within ${this.#timeout} ms`,
            ),
          ),
        this.#timeout,
      );
      timer.unref?.();
    });
    try {
      // `async` turns a synchronous throw of the client into a rejection.
      return await Promise.race([(async () => command())(), timedOut]);
    } catch (error) {
      if (error instanceof SessionStoreError) throw error;
      const message = reply(error) ?? '';
      if (/too large|object too big/i.test(message)) throw this.#tooLarge(op);
      throw new SessionStoreError(op, `${PACKAGE}: ${op} failed on server ${shard.id}`, error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A storage command; `false` when memcached answered NOT_STORED, EXISTS or NOT_FOUND. */
  async #store(
    op: string,
    shard: Shard,
    command: 'add' | 'set' | 'cas',
    key: string,
    value: string,
    lifetime: number,
    casUniq?: string,
  ): Promise<boolean> {
    return this.#call(op, shard, async () => {
      try {
        const options = { lifetime, ignoreNotStored: false };
        const memcachedKey = this.#prefix + key;
        if (command === 'cas') await shard.client.cas(memcachedKey, value, { ...options, casUniq: casUniq! });
        else await shard.client[command](memcachedKey, value, options);
        return true;
      } catch (error) {
        const answer = reply(error);
        if (answer === 'NOT_STORED' || answer === 'EXISTS' || answer === 'NOT_FOUND') return false;
        throw error;
      }
    });
  }

  async #read(op: string, shard: Shard, key: string): Promise<Current | null> {
    const dataKey = this.#prefix + key;
    const touchKey = dataKey + TOUCH_SUFFIX;
    const found = await this.#call(op, shard, () =>
      shard.client.retrieve<Retrieved>('gets', [dataKey, touchKey]),
    );
    return this.#current(op, found, dataKey, touchKey);
  }

  #current(op: string, found: Retrieved | undefined, dataKey: string, touchKey: string): Current | null {
    const item = found?.[dataKey];
    if (item === undefined) return null;
    const cas = String(item.casUniq);
    if (!CAS_TOKEN.test(cas)) {
      // A server started with -C hands out no CAS tokens; compare-and-set would silently always win.
      throw new SessionStoreError(
        op,
        `${PACKAGE}: the server returned no CAS token; do not run memcached with -C`,
      );
    }
    const envelope = parseEnvelope(item.value);
    let expiresAt = envelope?.expiresAt ?? 0;
    const touched = found?.[touchKey]?.value;
    if (typeof touched === 'string') {
      const [forCas, touchedExpiry] = touched.split(' ');
      const value = Number(touchedExpiry);
      if (forCas === cas && Number.isSafeInteger(value)) expiresAt = value;
    }
    return { cas, envelope, expiresAt };
  }

  /**
   * The text protocol's storage commands do not return the new CAS token, so read it back and keep it
   * only if the record is still the one this call wrote (its nonce): otherwise a later writer got in
   * between, and the caller gets a version that can only conflict.
   */
  async #versionOf(op: string, shard: Shard, key: string, nonce: string): Promise<string> {
    const current = await this.#read(op, shard, key);
    return current?.envelope?.nonce === nonce ? current.cas : UNKNOWN_VERSION;
  }
}

/**
 * Creates a Memcached session store.
 * @throws SessionError (`SESSION_CONFIG`) when the options are invalid: no or duplicate servers, a
 * client with several servers, a prefix with spaces or too long for the 250-byte key limit.
 * @example
 * import { memcachedStore } from '@cloakroom/session-memcached';
 * const store = memcachedStore({ servers: process.env.MEMCACHED_SERVERS ?? '127.0.0.1:11211' });
 * // …
 * await store.close();
 */
export function memcachedStore(options: MemcachedStoreOptions): MemcachedStore {
  return new MemcachedStore(options);
}
