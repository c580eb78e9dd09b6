import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import {
  type ClosableStore,
  type CompareAndSetStore,
  type ExpiredDeletionStore,
  type GetAndTouchStore,
  type SessionStore,
  SessionStoreError,
  type SessionWrite,
  type StoredSession,
  type StoredUserSession,
  type TouchedSession,
  type TouchIfDue,
  type UserIndexStore,
} from '@cloakroom/session-core';
import { type Kysely, sql } from 'kysely';

import {
  type AnyKysely,
  configError,
  DEFAULT_TABLE,
  detectDialect,
  type SqlDialect,
  validateTableName,
} from './dialect.ts';
import type { SessionTableOptions } from './schema.ts';

/** When and how the store deletes expired rows. */
export interface KyselyCleanupOptions {
  /**
   * Whether the store runs {@link KyselySessionStore.deleteExpired} on a timer. Turn it off when cleanup
   * runs elsewhere (a cron job, one designated instance). The timer never keeps the process alive and
   * stops on `close()`.
   * @default true
   */
  readonly schedule?: boolean;
  /**
   * Mean time between two scheduled cleanups, in milliseconds. The first run comes after a random
   * fraction of it, so instances started together do not clean up together.
   * @default 300_000 (5 minutes)
   */
  readonly intervalMs?: number;
  /**
   * Random spread of each interval, as a fraction of it: 0.2 means 80 % to 120 % of `intervalMs`.
   * @default 0.2
   */
  readonly jitter?: number;
  /**
   * Rows removed by one `DELETE` statement. Cleanup loops over batches, each its own short statement,
   * so a large backlog never holds one long lock.
   * @default 1000
   */
  readonly batchSize?: number;
}

/** Options of {@link kyselyStore}. */
export interface KyselyStoreOptions extends SessionTableOptions {
  /**
   * Your Kysely instance (PostgreSQL, MySQL/MariaDB or SQLite dialect). It stays yours: `close()`
   * never destroys it.
   */
  readonly db: AnyKysely;
  /**
   * Expired-row cleanup; `false` turns the scheduler off (`deleteExpired()` still works, with the
   * default batch size).
   * @default { schedule: true, intervalMs: 300_000, jitter: 0.2, batchSize: 1000 }
   */
  readonly cleanup?: false | KyselyCleanupOptions;
  /**
   * Longest wait for one store operation (including waiting for a pool connection) before it fails
   * with `SessionStoreError`; `0` waits for ever. A database that blackholes packets then fails
   * requests fast instead of hanging them. A timed-out query may still complete on the server.
   * @default 5000
   */
  readonly timeoutMs?: number;
  /**
   * Receives failures of scheduled cleanup (requests never go through it: their errors reject).
   * @default logs with `console.warn`
   */
  readonly onError?: (error: SessionStoreError) => void;
  /**
   * The clock, epoch milliseconds: what "expired" is measured against.
   * @default Date.now
   */
  readonly now?: () => number;
}

/** The store {@link kyselyStore} returns: every optional capability of the store contract. */
export interface KyselySessionStore
  extends SessionStore,
    CompareAndSetStore,
    GetAndTouchStore,
    UserIndexStore,
    ExpiredDeletionStore,
    ClosableStore {
  /** The validated table name. */
  readonly table: string;
  /** The SQL flavour in use. */
  readonly dialect: SqlDialect;
}

interface SessionRow {
  id: string;
  data: string;
  version: number | string | bigint;
  user_id: string | null;
  expires_at: Date | number | string | bigint;
  created_at: Date | number | string | bigint;
}

type SessionDb = Record<string, SessionRow>;

/** The columns a read returns. */
type ReadRow = Pick<SessionRow, 'data' | 'version' | 'expires_at'>;

const DEFAULTS = { intervalMs: 300_000, jitter: 0.2, batchSize: 1000, timeoutMs: 5000 } as const;
// Versions are decimal counters below 2^53; anything else cannot match a stored version.
const VERSION = /^[1-9][0-9]{0,15}$/;

function positiveInteger(name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) throw configError(`${name} must be an integer >= ${min}.`);
  return value;
}

function isDuplicateKey(error: unknown): boolean {
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  return code === 'ER_DUP_ENTRY' || errno === 1062;
}

/**
 * A session store on a SQL table through Kysely, for PostgreSQL, MySQL/MariaDB and SQLite.
 *
 * - Reads ignore expired rows, so cleanup lag never brings a session back.
 * - `create` is insert-only (a live row with the key means a collision: `null`); an expired row with
 *   the key is replaced.
 * - `compareAndSet` is one `UPDATE … WHERE id = ? AND version = ?`, checked by its affected rows.
 * - `touch` moves only `expires_at`; `listByUser` reads the indexed `user_id` column.
 * - `getAndTouch` is one statement on PostgreSQL (a data-modifying CTE); on MySQL/MariaDB and SQLite it is
 *   a `SELECT`, followed by an `UPDATE` of exactly the row read only when its expiry is due.
 * - Expired rows are deleted in bounded batches by a scheduler the store starts (see `cleanup`).
 *
 * Create the table first with {@link createSessionTable} or {@link sessionTableMigration}.
 * @throws SessionError (`SESSION_CONFIG`) for a missing `db`, an invalid table name or bad options.
 *   Every method rejects with `SessionStoreError` when the database fails or times out.
 * @example
 * import { Kysely, PostgresDialect } from 'kysely';
 * import pg from 'pg';
 * const db = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: process.env.PG_URL }) }) });
 * await createSessionTable(db);
 * const store = kyselyStore({ db });
 */
export function kyselyStore(options: KyselyStoreOptions): KyselySessionStore {
  return new KyselyStore(options);
}

class KyselyStore implements KyselySessionStore {
  readonly table: string;
  readonly dialect: SqlDialect;
  readonly #db: Kysely<SessionDb>;
  readonly #now: () => number;
  readonly #timeoutMs: number;
  readonly #batchSize: number;
  readonly #scheduler: CleanupScheduler | undefined;

  constructor(options: KyselyStoreOptions) {
    if (!options || typeof options !== 'object') throw configError('kyselyStore() needs options with a db.');
    this.dialect = detectDialect(options.db, options.dialect);
    this.table = validateTableName(options.table ?? DEFAULT_TABLE);
    this.#db = options.db as Kysely<SessionDb>;
    this.#now = options.now ?? Date.now;
    this.#timeoutMs = positiveInteger('timeoutMs', options.timeoutMs, DEFAULTS.timeoutMs, 0);
    const cleanup = options.cleanup === false ? { schedule: false } : (options.cleanup ?? {});
    this.#batchSize = positiveInteger('cleanup.batchSize', cleanup.batchSize, DEFAULTS.batchSize);
    const intervalMs = positiveInteger('cleanup.intervalMs', cleanup.intervalMs, DEFAULTS.intervalMs);
    const jitter = cleanup.jitter ?? DEFAULTS.jitter;
    if (!(jitter >= 0 && jitter <= 1)) throw configError('cleanup.jitter must be between 0 and 1.');
    if (cleanup.schedule !== false) {
      const onError =
        options.onError ??
        ((error: SessionStoreError) =>
          console.warn('@cloakroom/session-kysely: scheduled cleanup failed', error));
      this.#scheduler = new CleanupScheduler(() => this.deleteExpired(), intervalMs, jitter, onError);
    }
  }

  async get(key: string): Promise<StoredSession | null> {
    return this.#run('get', async (signal) => {
      const row = await this.#read(key, this.#now(), signal);
      return row ? this.#stored(row) : null;
    });
  }

  async getAndTouch(key: string, touch: TouchIfDue): Promise<TouchedSession | null> {
    return this.#run('getAndTouch', async (signal) => {
      const now = this.#now();
      const to = this.#time(touch.expiresAt);
      if (this.dialect === 'postgres') {
        // One statement: the UPDATE moves a due expiry and returns the row; the SELECT reads a live row the
        // UPDATE left alone. Both see the statement's snapshot, so NOT EXISTS keeps them from both answering.
        const table = sql.table(this.table);
        const live = sql`id = ${key} and expires_at > ${this.#time(now)}`;
        const { rows } = await sql<ReadRow & { touched: boolean }>`
          with moved as (
            update ${table} set expires_at = ${to}
            where ${live} and expires_at > ${this.#time(touch.now)}
              and expires_at <= ${this.#time(touch.ifExpiresBy)} and expires_at < ${to}
            returning data, version, expires_at
          )
          select data, version, expires_at, true as touched from moved
          union all
          select data, version, expires_at, false as touched from ${table}
          where ${live} and not exists (select 1 from moved)`.execute(this.#db, { signal });
        const row = rows[0];
        return row ? { ...this.#stored(row), touched: row.touched } : null;
      }
      // MySQL/MariaDB have no UPDATE … RETURNING, and an UPDATE on every read would take SQLite's write
      // lock: read, and only when the expiry is due, move it on exactly the row read (same version, same
      // expiry), so a write or touch by another request in between is never undone.
      const row = await this.#read(key, now, signal);
      if (!row) return null;
      const stored = this.#stored(row);
      // A record the caller's clock sees expired is answered as get() answers it (by the store's clock),
      // never touched.
      const due = stored.expiresAt > touch.now && stored.expiresAt <= touch.ifExpiresBy;
      if (!(due && touch.expiresAt > stored.expiresAt)) {
        return { ...stored, touched: false };
      }
      const result = await this.#db
        .updateTable(this.table)
        .set({ expires_at: to })
        .where('id', '=', key)
        .where('version', '=', row.version)
        .where('expires_at', '=', row.expires_at)
        .executeTakeFirst({ signal });
      if (result.numUpdatedRows > 0n) return { ...stored, expiresAt: touch.expiresAt, touched: true };
      // Changed meanwhile: answer what is there now.
      const current = await this.#read(key, this.#now(), signal);
      return current ? { ...this.#stored(current), touched: false } : null;
    });
  }

  async create(key: string, write: SessionWrite): Promise<string | null> {
    return this.#run('create', async (signal) => {
      const now = this.#now();
      const row = this.#row(key, write, 1, now);
      if (this.dialect === 'mysql') {
        // An expired row with this key is gone for readers: let the insert reuse the key.
        await this.#db
          .deleteFrom(this.table)
          .where('id', '=', key)
          .where('expires_at', '<=', this.#time(now))
          .execute({ signal });
        try {
          await this.#db.insertInto(this.table).values(row).execute({ signal });
          return '1';
        } catch (error) {
          // Plain INSERT and its duplicate-key error, not INSERT IGNORE (which also hides truncation)
          // nor ON DUPLICATE KEY UPDATE (whose affected-rows count depends on CLIENT_FOUND_ROWS).
          if (isDuplicateKey(error)) return null;
          throw error;
        }
      }
      // PostgreSQL and SQLite: the conflicting row is replaced only when it has expired; a live one
      // makes the statement affect no row.
      const result = await this.#db
        .insertInto(this.table)
        .values(row)
        .onConflict((conflict) =>
          conflict
            .column('id')
            .doUpdateSet({
              data: (eb) => eb.ref('excluded.data'),
              version: 1,
              user_id: (eb) => eb.ref('excluded.user_id'),
              expires_at: (eb) => eb.ref('excluded.expires_at'),
              created_at: (eb) => eb.ref('excluded.created_at'),
            })
            .where(sql.ref(`${this.table}.expires_at`), '<=', this.#time(now)),
        )
        .executeTakeFirst({ signal });
      return (result.numInsertedOrUpdatedRows ?? 0n) > 0n ? '1' : null;
    });
  }

  async set(key: string, write: SessionWrite): Promise<string> {
    return this.#run('set', async (signal) => {
      const row = this.#row(key, write, 1, this.#now());
      const bump = sql<number>`${sql.ref(`${this.table}.version`)} + 1`;
      if (this.dialect === 'mysql') {
        // No RETURNING in MySQL: the upsert and the read of the version it wrote share one transaction,
        // whose row lock keeps another writer from slipping in between.
        return this.#db.transaction().execute(async (trx) => {
          await trx
            .insertInto(this.table)
            .values(row)
            .onDuplicateKeyUpdate({
              data: write.data,
              version: sql<number>`${sql.ref('version')} + 1`,
              user_id: write.userId,
              expires_at: write.expiresAt,
            })
            .execute({ signal });
          const stored = await trx
            .selectFrom(this.table)
            .select('version')
            .where('id', '=', key)
            .executeTakeFirstOrThrow();
          return String(stored.version);
        });
      }
      const stored = await this.#db
        .insertInto(this.table)
        .values(row)
        .onConflict((conflict) =>
          conflict.column('id').doUpdateSet({
            data: (eb) => eb.ref('excluded.data'),
            version: bump,
            user_id: (eb) => eb.ref('excluded.user_id'),
            expires_at: (eb) => eb.ref('excluded.expires_at'),
          }),
        )
        .returning('version')
        .executeTakeFirstOrThrow({ signal });
      return String(stored.version);
    });
  }

  async compareAndSet(key: string, version: string, write: SessionWrite): Promise<string | null> {
    if (typeof version !== 'string' || !VERSION.test(version)) return null;
    const expected = Number(version);
    return this.#run('compareAndSet', async (signal) => {
      // The new version differs from the old one, so the row always changes: MySQL's affected rows
      // (changed) and found rows (matched, with CLIENT_FOUND_ROWS, mysql2's default) agree here.
      const result = await this.#db
        .updateTable(this.table)
        .set({
          data: write.data,
          version: expected + 1,
          user_id: write.userId,
          expires_at: this.#time(write.expiresAt),
        })
        .where('id', '=', key)
        .where('version', '=', expected)
        .where('expires_at', '>', this.#time(this.#now()))
        .executeTakeFirst({ signal });
      return result.numUpdatedRows > 0n ? String(expected + 1) : null;
    });
  }

  async touch(key: string, expiresAt: number): Promise<boolean> {
    return this.#run('touch', async (signal) => {
      const [result] = await this.#db
        .updateTable(this.table)
        .set({ expires_at: this.#time(expiresAt) })
        .where('id', '=', key)
        // An expired row stays expired: touching never revives it.
        .where('expires_at', '>', this.#time(this.#now()))
        .execute({ signal });
      // No live row: core then re-sends no cookie for a session destroyed meanwhile.
      return (result?.numUpdatedRows ?? 0n) > 0n;
    });
  }

  async delete(key: string): Promise<void> {
    await this.#run('delete', async (signal) => {
      await this.#db.deleteFrom(this.table).where('id', '=', key).execute({ signal });
    });
  }

  async listByUser(userId: string): Promise<StoredUserSession[]> {
    return this.#run('listByUser', async (signal) => {
      const rows = await this.#db
        .selectFrom(this.table)
        .select(['id', 'data', 'version', 'expires_at'])
        .where('user_id', '=', userId)
        .where('expires_at', '>', this.#time(this.#now()))
        .execute({ signal });
      return rows.map((row) => ({
        key: row.id,
        data: row.data,
        version: String(row.version),
        expiresAt: this.#fromTime(row.expires_at),
      }));
    });
  }

  /**
   * Deletes every row that expired before the call, `batchSize` rows per statement, until a batch
   * comes back short. Each batch commits on its own and the event loop gets a turn between batches.
   */
  async deleteExpired(): Promise<number> {
    const cutoff = this.#time(this.#now());
    let total = 0;
    for (;;) {
      const deleted = await this.#run('deleteExpired', (signal) => this.#deleteBatch(cutoff, signal));
      total += deleted;
      if (deleted < this.#batchSize) return total;
      await yieldToEventLoop();
    }
  }

  async close(): Promise<void> {
    await this.#scheduler?.stop();
  }

  async #deleteBatch(cutoff: Date | number, signal: AbortSignal | undefined): Promise<number> {
    if (this.dialect === 'mysql') {
      // MySQL cannot DELETE … WHERE id IN (a subquery on the same table); it has DELETE … LIMIT.
      const result = await this.#db
        .deleteFrom(this.table)
        .where('expires_at', '<=', cutoff)
        .orderBy('expires_at')
        .limit(this.#batchSize)
        .executeTakeFirst({ signal });
      return Number(result.numDeletedRows);
    }
    let batch = this.#db
      .selectFrom(this.table)
      .select('id')
      .where('expires_at', '<=', cutoff)
      .limit(this.#batchSize);
    // Two instances cleaning at once skip each other's rows instead of waiting on them.
    if (this.dialect === 'postgres') batch = batch.forUpdate().skipLocked();
    const result = await this.#db
      .deleteFrom(this.table)
      .where('id', 'in', batch)
      .executeTakeFirst({ signal });
    return Number(result.numDeletedRows);
  }

  /** The live row with this key, or undefined. */
  #read(key: string, now: number, signal: AbortSignal | undefined): Promise<ReadRow | undefined> {
    return this.#db
      .selectFrom(this.table)
      .select(['data', 'version', 'expires_at'])
      .where('id', '=', key)
      .where('expires_at', '>', this.#time(now))
      .executeTakeFirst({ signal });
  }

  #stored(row: ReadRow): StoredSession {
    return { data: row.data, version: String(row.version), expiresAt: this.#fromTime(row.expires_at) };
  }

  #row(key: string, write: SessionWrite, version: number, now: number): SessionRow {
    return {
      id: key,
      data: write.data,
      version,
      user_id: write.userId,
      expires_at: this.#time(write.expiresAt),
      created_at: this.#time(now),
    };
  }

  #time(ms: number): Date | number {
    return this.dialect === 'postgres' ? new Date(ms) : ms;
  }

  #fromTime(value: Date | number | string | bigint): number {
    if (value instanceof Date) return value.getTime();
    if (typeof value === 'string' && !/^-?\d+$/.test(value)) return Date.parse(value);
    return Number(value);
  }

  async #run<T>(operation: string, body: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
    const signal = this.#timeoutMs > 0 ? AbortSignal.timeout(this.#timeoutMs) : undefined;
    try {
      return await body(signal);
    } catch (error) {
      throw SessionStoreError.from(operation, error);
    }
  }
}

/** Runs cleanup on a jittered timer that never keeps the process alive. */
class CleanupScheduler {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(
    private readonly task: () => Promise<number>,
    private readonly intervalMs: number,
    private readonly jitter: number,
    private readonly onError: (error: SessionStoreError) => void,
  ) {
    // The first run lands anywhere in the first interval, so a fleet started at once spreads out.
    this.#arm(Math.random() * intervalMs);
  }

  #arm(delay: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.#tick().finally(() => {
        this.#running = undefined;
        this.#arm(this.intervalMs * (1 + this.jitter * (2 * Math.random() - 1)));
      });
    }, delay);
    const timer = this.#timer as { unref?: () => void };
    timer.unref?.();
  }

  async #tick(): Promise<void> {
    try {
      await this.task();
    } catch (error) {
      try {
        this.onError(SessionStoreError.from('deleteExpired', error));
      } catch {
        // A throwing error hook must not kill the timer.
      }
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
