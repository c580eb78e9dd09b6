import {
  type ClosableStore,
  type CompareAndSetStore,
  type ExpiredDeletionStore,
  type GetAndTouchStore,
  SessionError,
  type SessionStore,
  SessionStoreError,
  type SessionWrite,
  type StoredSession,
  type StoredUserSession,
  type TouchedSession,
  type TouchIfDue,
  type UserIndexStore,
} from '@cloakroom/session-core';
import type { Cluster, Redis } from 'ioredis';

import { type EvictionPolicy, mayEvict, policyWatcher } from './eviction.ts';
import { type Script, scripts } from './scripts.ts';

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /**
   * An ioredis client you constructed: a `Redis` (single node, or Sentinel) or a `Cluster`. The store
   * never connects, quits or reconfigures it; its options decide how failures surface (see the README,
   * "Failure behaviour").
   */
  readonly client: Redis | Cluster;
  /**
   * Prepended to every key the store writes. Records live at `<prefix>s:<key>`, per-user indexes at
   * `<prefix>u:<userId>`. A client-level `keyPrefix` is applied by ioredis in front of it.
   * @default 'cloakroom:'
   */
  readonly prefix?: string;
  /**
   * Upper bound in milliseconds for one store operation, all its round trips included. When Redis is
   * down or slow the operation rejects with a `SessionStoreError` after this long at the latest, even
   * when the client would keep the command queued. `0` leaves the bound to the client's options alone.
   * A command that timed out here may still reach Redis later, as with ioredis' own `commandTimeout`.
   * @default 2000
   */
  readonly timeout?: number;
}

/**
 * The store {@link redisStore} returns: every capability of the contract. `deleteExpired()` always
 * resolves 0, because Redis expires records by itself; `close()` resolves without quitting the client,
 * which stays yours to quit.
 */
export type RedisSessionStore = SessionStore &
  CompareAndSetStore &
  GetAndTouchStore &
  UserIndexStore &
  ExpiredDeletionStore &
  ClosableStore & {
    /**
     * The server's `maxmemory-policy` as the store knows it (asked at first use and after every
     * reconnect; see the README, "Eviction policies"): `noeviction`, `allkeys-lru`, …, or `unknown` when
     * the server answers neither `CONFIG GET` nor `INFO memory`. Under any policy but `noeviction`, a
     * read of a session bound to a user also checks the user's index, and fails closed (in the same
     * round trip on a single node, in a second one on a Cluster).
     * @throws SessionStoreError when Redis cannot be reached.
     */
    evictionPolicy(): Promise<EvictionPolicy>;
  };

const DEFAULT_PREFIX = 'cloakroom:';
const DEFAULT_TIMEOUT = 2000;

/** The subset of ioredis' commands the store uses; `Redis` and `Cluster` both have it. */
interface Commands {
  readonly isCluster: boolean;
  hmget(key: string, ...fields: string[]): Promise<(string | null)[]>;
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  eval(lua: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  zrem(key: string, ...members: string[]): Promise<number>;
  zscore(key: string, member: string): Promise<string | null>;
}

/**
 * Creates a Redis session store on a client you constructed. Works on a single node (Sentinel-managed or
 * not), where a read, a read due for a touch and a write are each one script (one round trip, atomic),
 * and on Redis Cluster, where every command and script touches one key and writes that span keys in
 * different slots (a record and its user's index) are ordered so a crash never leaves a live session out
 * of the index. The server's `maxmemory-policy` is read at first use and after every reconnect; under any
 * policy that may evict a user's index, a session the index lost reads as absent (fail closed), so
 * revoking a user's sessions never leaves one usable.
 *
 * @param options - the client, a key prefix and an operation timeout.
 * @returns a store with compare-and-set, get-and-touch, a per-user index, `deleteExpired` (a no-op: Redis expires keys
 *   itself) and `close` (which leaves your client open).
 * @throws SessionError with code `SESSION_CONFIG` when an option is invalid.
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { redisStore } from '@cloakroom/session-redis';
 *
 * const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
 *   commandTimeout: 500,
 *   maxRetriesPerRequest: 1,
 * });
 * const store = redisStore({ client, prefix: 'myapp:sess:' });
 * ```
 */
export function redisStore(options: RedisStoreOptions): RedisSessionStore {
  return new RedisStore(options);
}

class RedisStore implements RedisSessionStore {
  readonly #client: Commands;
  readonly #recordPrefix: string;
  readonly #indexPrefix: string;
  readonly #timeout: number;
  /** A single node (or Sentinel): scripts may reach a user's index from a record's script. */
  readonly #single: boolean;
  readonly #policy: ReturnType<typeof policyWatcher>;

  constructor(options: RedisStoreOptions) {
    const { client, prefix = DEFAULT_PREFIX, timeout = DEFAULT_TIMEOUT } = options ?? {};
    if (client === null || typeof client !== 'object' || typeof client.evalsha !== 'function') {
      throw configError('`client` must be an ioredis Redis or Cluster instance you constructed.');
    }
    if (typeof prefix !== 'string') throw configError('`prefix` must be a string, such as "myapp:sess:".');
    if (!Number.isFinite(timeout) || timeout < 0) {
      throw configError('`timeout` must be a number of milliseconds >= 0 (0 turns the bound off).');
    }
    this.#client = client as unknown as Commands;
    this.#recordPrefix = `${prefix}s:`;
    this.#indexPrefix = `${prefix}u:`;
    this.#timeout = timeout;
    this.#single = !client.isCluster;
    this.#policy = policyWatcher(client);
  }

  get(key: string): Promise<StoredSession | null> {
    return this.#run('get', async (op) => {
      // Where Redis may evict the user's index, a session the index lost could not be revoked: fail
      // closed, the session reads as absent. The check also keeps the index as hot as the session for LRU
      // and LFU. On a single node it runs in the read's own script.
      // Known after the first operation on a connection: no await then.
      const check = mayEvict(this.#policy.current() ?? (await this.#policy.policy()));
      op.check();
      if (check && this.#single) {
        const reply = await this.#access(op, key, 'get', 0, 0, true);
        return reply === null ? null : toStored(reply[0], reply[1], reply[2], Date.now());
      }
      const [data, expiresAt, version, user] = await this.#client.hmget(
        this.#recordPrefix + key,
        'd',
        'e',
        'v',
        'u',
      );
      const stored = toStored(data, expiresAt, version, Date.now());
      if (stored === null || user == null || !check) return stored;
      op.check();
      return (await this.#client.zscore(this.#indexPrefix + user, key)) === null ? null : stored;
    });
  }

  getAndTouch(key: string, touch: TouchIfDue): Promise<TouchedSession | null> {
    return this.#run('getAndTouch', async (op) => {
      const check = mayEvict(this.#policy.current() ?? (await this.#policy.policy()));
      op.check();
      // The caller's clock decides whether the record is live enough to touch; this store's, as in get(),
      // whether it is answered.
      const reply = await this.#access(op, key, 'due', touch.expiresAt, touch.ifExpiresBy, check, touch.now);
      if (reply === null) return null;
      const [data, expiresAt, version, user, touched, indexSeen] = reply;
      const stored = toStored(data, expiresAt, version, Date.now());
      if (stored === null) return null;
      // On a Cluster the index lives in another slot: its check is a second round trip, unless raising
      // the index's score already was.
      if (check && !this.#single && user != null && !indexSeen) {
        op.check();
        if ((await this.#client.zscore(this.#indexPrefix + user, key)) === null) return null;
      }
      return { ...stored, touched };
    });
  }

  evictionPolicy(): Promise<EvictionPolicy> {
    return this.#run('evictionPolicy', () => this.#policy.policy());
  }

  create(key: string, write: SessionWrite): Promise<string | null> {
    return this.#run('create', (op) => this.#write(op, 'create', key, '', write));
  }

  set(key: string, write: SessionWrite): Promise<string> {
    return this.#run('set', async (op) => (await this.#write(op, 'set', key, '', write)) as string);
  }

  compareAndSet(key: string, version: string, write: SessionWrite): Promise<string | null> {
    return this.#run('compareAndSet', (op) => this.#write(op, 'cas', key, version, write));
  }

  touch(key: string, expiresAt: number): Promise<boolean> {
    // false for a missing record: core then re-sends no cookie for it.
    return this.#run(
      'touch',
      async (op) => (await this.#access(op, key, 'touch', expiresAt, 0, false)) !== null,
    );
  }

  delete(key: string): Promise<void> {
    return this.#run('delete', async (op) => {
      // One script on a single node. On a Cluster, record first, index second: a crash in between leaves
      // an index entry for a missing record, which listing skips; never a live record the index has lost.
      const user = await this.#eval(scripts.delete, this.#recordPrefix + key, key, this.#single ? '1' : '0');
      op.check();
      if (typeof user === 'string' && !this.#single) await this.#client.zrem(this.#indexPrefix + user, key);
    });
  }

  listByUser(userId: string): Promise<StoredUserSession[]> {
    return this.#run('listByUser', async (op) => {
      const now = Date.now();
      const keys = await this.#eval(scripts.indexList, this.#indexPrefix + userId, pruneBefore(now));
      op.check();
      if (!Array.isArray(keys) || keys.length === 0) return [];
      // One command per record: records of one user live in different slots on a Cluster, where
      // ioredis refuses a multi-slot pipeline. ioredis still writes them to each socket together.
      const rows = await Promise.all(
        (keys as string[]).map((key) => this.#client.hmget(this.#recordPrefix + key, 'd', 'e', 'v', 'u')),
      );
      const sessions: StoredUserSession[] = [];
      const gone: string[] = [];
      rows.forEach(([data, expiresAt, version, user], i) => {
        // Entries of sessions past their absolute end were pruned by their score above. One whose record
        // ended otherwise (idle, evicted, deleted by hand) or moved to another user is skipped; on a
        // Cluster its entry stays until its score passes (see the README, "Per-user index").
        const key = (keys as string[])[i]!;
        if (expiresAt == null) gone.push(key);
        if (user !== userId) return;
        const stored = toStored(data, expiresAt, version, now);
        if (stored !== null) sessions.push({ key, ...stored });
      });
      if (this.#single && gone.length > 0) {
        // On a single node a write is one script, never half-way: a missing record means no session,
        // so its entry goes now (checked again inside the script), and the next listing skips the read.
        op.check();
        await this.#eval(scripts.indexForget, this.#indexPrefix + userId, userId, ...gone);
      }
      return sessions;
    });
  }

  /**
   * Redis expires records natively (PEXPIREAT on every write), and per-user index entries are pruned
   * as they are read, so there is nothing to delete.
   * @returns always 0.
   */
  deleteExpired(): Promise<number> {
    return Promise.resolve(0);
  }

  /** Does nothing: the client is yours, so quitting it is yours too (`await client.quit()`). */
  close(): Promise<void> {
    return Promise.resolve();
  }

  async #write(
    op: Operation,
    mode: 'create' | 'set' | 'cas',
    key: string,
    version: string,
    write: SessionWrite,
  ) {
    const { data, expiresAt, absoluteExpiresAt, userId } = write;
    // The index entry is scored by the session's absolute end, which no touch passes (core caps the idle
    // expiry there), so touches leave the index alone; never below the record's own expiry.
    const score = expiryTime(Math.max(expiresAt, Number.isFinite(absoluteExpiresAt) ? absoluteExpiresAt : 0));
    let added = false;
    if (userId !== null && !this.#single) {
      // Index first: a crash after this step leaves an index entry without a record (skipped when
      // listed), never a record that revoking the user's sessions would miss. The script leaves an entry
      // that is already high enough unwritten.
      added = (await this.#indexAdd(userId, score, key, false)) === 1;
      op.check();
    }
    const reply = await this.#eval(
      scripts.write,
      this.#recordPrefix + key,
      key,
      mode,
      version,
      data,
      expiresAt,
      expiryTime(expiresAt),
      userId ?? '',
      userId === null ? '' : score,
      this.#single ? '1' : '0',
      pruneBefore(),
    );
    if (!Array.isArray(reply)) return null;
    const [newVersion, previousUser] = reply as [string, string | null];
    // On a single node the script kept the index itself.
    if (this.#single) return newVersion;
    if (mode === 'cas' && added && previousUser === userId) {
      // The user's index had lost this live session (evicted, or deleted by hand): "sign out
      // everywhere" may have missed it meanwhile, and get() has been failing it closed. A write from a
      // request that read it before must not bring it back: end it, and report a conflict (core then
      // re-reads, finds nothing and drops the write).
      op.check();
      await this.#eval(scripts.delete, this.#recordPrefix + key, key, '0');
      await this.#client.zrem(this.#indexPrefix + userId, key);
      return null;
    }
    if (typeof previousUser === 'string' && previousUser !== userId) {
      // The session changed hands: drop it from the previous user's index, after the record moved.
      op.check();
      await this.#client.zrem(this.#indexPrefix + previousUser, key);
    }
    return newVersion;
  }

  /**
   * Runs the record's read-and-touch script (see scripts.ts, ACCESS). On a Cluster, when the new expiry
   * passes the score of the session's index entry, the script answers `index` instead of touching: the
   * entry's score moves first (in its own slot), then the script runs again, so a touch cut off half-way
   * leaves an entry that outlives its record, never a record whose entry is pruned before it ends.
   * @returns the record's fields, whether it was touched, and whether the user's index entry was seen
   *   on the way (raising it tells whether it was there: a missing one under `check` reads as null); null
   *   when the record is missing.
   */
  async #access(
    op: Operation,
    key: string,
    mode: 'get' | 'due' | 'touch',
    expiresAt: number,
    ifExpiresBy: number,
    check: boolean,
    touchNow: number = Date.now(),
  ): Promise<[string | null, string, string, string | null, boolean, boolean] | null> {
    let raised = '';
    for (let attempt = 0; attempt < 3; attempt++) {
      const reply = await this.#eval(
        scripts.access,
        this.#recordPrefix + key,
        key,
        mode,
        expiresAt,
        expiryTime(expiresAt),
        ifExpiresBy,
        touchNow,
        this.#single ? '1' : '0',
        check ? '1' : '0',
        raised,
        pruneBefore(),
      );
      if (!Array.isArray(reply)) return null;
      const [data, stored, version, user, touched] = reply as [
        string | null,
        string,
        string,
        string,
        number | string,
      ];
      if (touched !== 'index') {
        return [data, stored, version, user, touched === 1, raised !== ''];
      }
      op.check();
      const absent = (await this.#indexAdd(user, expiryTime(expiresAt), key, true)) === 1;
      // The index lost this session: under an evicting policy it reads as absent, and is not touched.
      if (absent && check) return null;
      raised = user;
      op.check();
    }
    throw new Error('the session changed users during the touch');
  }

  /** Adds `key` to `userId`'s index or raises its score (Cluster: the index is its own slot). */
  #indexAdd(userId: string, score: number, key: string, updateOnly: boolean): Promise<unknown> {
    return this.#eval(
      scripts.indexAdd,
      this.#indexPrefix + userId,
      score,
      key,
      pruneBefore(),
      updateOnly ? '1' : '0',
    );
  }

  /**
   * Runs a script by its SHA-1. Redis answers NOSCRIPT when it does not have it (first use on a node,
   * after a restart or SCRIPT FLUSH); EVAL then runs and caches it, so later calls go by SHA again.
   */
  async #eval(script: Script, key: string, ...args: (string | number)[]): Promise<unknown> {
    try {
      return await this.#client.evalsha(script.sha, 1, key, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return await this.#client.eval(script.lua, 1, key, ...args);
    }
  }

  /** Runs one store operation under the timeout, wrapping every failure in a `SessionStoreError`. */
  #run<T>(name: string, body: (op: Operation) => Promise<T>): Promise<T> {
    const op = new Operation(name);
    const work = body(op);
    if (this.#timeout === 0)
      return work.catch((error: unknown) => Promise.reject(SessionStoreError.from(name, error)));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        op.timedOut = true;
        reject(
          new SessionStoreError(
            name,
            `Session store ${name} timed out`,
            new Error(`Redis did not answer within ${this.#timeout} ms`),
          ),
        );
      }, this.#timeout);
      timer.unref?.();
      work.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(SessionStoreError.from(name, error));
        },
      );
    });
  }
}

/** One running operation; stops sending further steps once it has timed out. */
class Operation {
  timedOut = false;
  constructor(readonly name: string) {}
  check(): void {
    if (this.timedOut) throw new Error(`${this.name} timed out`);
  }
}

function toStored(
  data: string | null | undefined,
  expiresAt: string | null | undefined,
  version: string | null | undefined,
  now: number,
): StoredSession | null {
  if (data == null || expiresAt == null || version == null) return null;
  const expires = Number(expiresAt);
  // Redis drops the key at expiry by its own clock; this guards against skew with ours.
  if (!(expires > now)) return null;
  return { data, expiresAt: expires, version };
}

/**
 * How long past its score an index entry is kept. Scores are expiries by the clock of the app server that
 * wrote them; a server whose clock runs ahead must not prune the entry of a session that another server
 * still sees alive (and may touch), or revoking the user's sessions could miss it.
 */
const CLOCK_SKEW_MARGIN = 60_000;

/** The cutoff below which index entries are pruned. */
function pruneBefore(now: number = Date.now()): number {
  return now - CLOCK_SKEW_MARGIN;
}

/** PEXPIREAT takes whole milliseconds; round up so a record never expires before its time. */
function expiryTime(epochMs: number): number {
  return Math.ceil(epochMs);
}

function configError(message: string): SessionError {
  return new SessionError('SESSION_CONFIG', `@cloakroom/session-redis: ${message}`);
}
