// deleteExpired() at scale: 100 000 expired rows, generated inside the database so set-up stays fast,
// beside live sessions that are read while the cleanup runs.

import { setImmediate } from 'node:timers/promises';
import type { KyselyPlugin, RootOperationNode } from 'kysely';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyKysely, SqlDialect } from './dialect.ts';
import { kyselyStore } from './kysely-store.ts';
import { createSessionTable, dropSessionTable } from './schema.ts';
import {
  betterSqliteFile,
  countRows,
  mariadb,
  nodeSqliteMemory,
  postgres,
  randomKey,
  randomTable,
  type TestDatabase,
} from './test-databases.ts';

const EXPIRED = 100_000;
const LIVE = 50;
const BATCH = 1000;
const HOUR = 3_600_000;

async function insertExpired(
  db: AnyKysely,
  dialect: SqlDialect,
  table: string,
  before: number,
): Promise<void> {
  const t = sql.table(table);
  const columns = sql`(id, data, version, user_id, expires_at, created_at)`;
  switch (dialect) {
    case 'postgres':
      await sql`INSERT INTO ${t} ${columns}
        SELECT 'expired-' || g, 'x', 1, CASE WHEN g % 10 = 0 THEN 'u' || (g % 7) END,
               to_timestamp((${before}::bigint - g) / 1000.0), to_timestamp((${before}::bigint - ${HOUR} - g) / 1000.0)
        FROM generate_series(1, ${EXPIRED}) AS g`.execute(db);
      return;
    case 'mysql':
      // A recursive CTE of 1000 rows squared: MariaDB's max_recursive_iterations and MySQL's
      // cte_max_recursion_depth both default to 1000.
      await sql`INSERT INTO ${t} ${columns}
        WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 1000)
        SELECT CONCAT('expired-', k), 'x', 1, CASE WHEN k % 10 = 0 THEN CONCAT('u', k % 7) END,
               ${before} - k, ${before - HOUR} - k
        FROM (SELECT (b.n - 1) * 1000 + a.n AS k FROM seq a CROSS JOIN seq b WHERE b.n <= ${EXPIRED / 1000}) AS keys_`.execute(
        db,
      );
      return;
    case 'sqlite':
      await sql`WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${EXPIRED})
        INSERT INTO ${t} ${columns}
        SELECT 'expired-' || n, 'x', 1, CASE WHEN n % 10 = 0 THEN 'u' || (n % 7) END,
               ${before} - n, ${before - HOUR} - n
        FROM seq`.execute(db);
      return;
  }
}

describe.each([postgres, mariadb, betterSqliteFile, nodeSqliteMemory])(
  'deleteExpired() with 100 000 expired rows on $name',
  (target) => {
    let database: TestDatabase;
    const table = randomTable();

    beforeAll(async () => {
      database = await target.open();
      await createSessionTable(database.db, { table });
    });

    afterAll(async () => {
      if (database) {
        await dropSessionTable(database.db, { table });
        await database.close();
      }
    });

    it('removes exactly the expired rows, 1000 per statement, while live sessions stay readable', async () => {
      const { db } = database;
      let deletes = 0;
      const counter: KyselyPlugin = {
        transformQuery(args): RootOperationNode {
          if (args.node.kind === 'DeleteQueryNode') deletes++;
          return args.node;
        },
        transformResult: async (args) => args.result,
      };
      const store = kyselyStore({
        db: db.withPlugin(counter),
        table,
        cleanup: { schedule: false, batchSize: BATCH },
      });
      const now = Date.now();
      const live: string[] = [];
      for (let i = 0; i < LIVE; i++) {
        const key = randomKey();
        live.push(key);
        await store.create(key, {
          data: `live-${i}`,
          expiresAt: now + HOUR,
          absoluteExpiresAt: now + 2 * HOUR,
          userId: i % 2 ? 'u1' : null,
        });
      }
      await insertExpired(db, target.dialect, table, now - 1000);
      expect(await countRows(db, table)).toBe(EXPIRED + LIVE);

      // Readers run beside the cleanup and must see every live session the whole time.
      let done = false;
      let readsDuringCleanup = 0;
      const misses: string[] = [];
      const reader = async () => {
        let i = 0;
        while (!done) {
          const key = live[i++ % LIVE]!;
          const record = await store.get(key);
          if (record === null) misses.push(key);
          if (!done) readsDuringCleanup++;
          // Requests arrive as I/O events; a reader that only chains promises would starve the
          // event loop (SQLite drivers are synchronous) and with it the cleanup's own turns.
          await setImmediate();
        }
      };
      const readers = [reader(), reader()];
      deletes = 0; // MySQL's create() deletes an expired row with its key first
      const started = performance.now();
      const deleted = await store.deleteExpired();
      const elapsed = performance.now() - started;
      done = true;
      await Promise.all(readers);

      expect(deleted).toBe(EXPIRED);
      expect(deletes).toBe(EXPIRED / BATCH + 1); // 100 full batches, then one that comes back short
      expect(misses).toEqual([]);
      expect(readsDuringCleanup).toBeGreaterThan(0);
      expect(await countRows(db, table)).toBe(LIVE);
      expect((await store.listByUser('u1')).length).toBe(LIVE / 2);
      for (const [i, key] of live.entries()) expect((await store.get(key))?.data).toBe(`live-${i}`);
      console.info(
        `${target.name}: ${EXPIRED} rows in ${Math.round(elapsed)} ms, ${readsDuringCleanup} reads meanwhile`,
      );
    }, 120_000);
  },
);
