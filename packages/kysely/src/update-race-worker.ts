// Test-only (not exported): the store of an update race (see @cloakroom/session-store-test's
// describeUpdateRace), opened in every racing process. args: `<kind> <table> [sqlite file]`, where kind is
// postgres, mysql, better-sqlite3, node-sqlite or tiered (Redis, shared by the processes, over PostgreSQL).
import { DatabaseSync } from 'node:sqlite';
import { tieredStore } from '@cloakroom/session-core';
import { redisStore } from '@cloakroom/session-redis';
import type { UpdateRaceStore } from '@cloakroom/session-store-test';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { Kysely, SqliteDialect } from 'kysely';
import type { AnyKysely } from './dialect.ts';
import { kyselyStore } from './kysely-store.ts';
import { nodeSqliteDatabase } from './node-sqlite.ts';
import { mysqlKysely, postgresKysely } from './test-databases.ts';

function sqlite(kind: string, file: string): AnyKysely {
  // Several processes on one file: wait for the writer instead of failing at once (SQLITE_BUSY).
  const database =
    kind === 'node-sqlite'
      ? nodeSqliteDatabase(new DatabaseSync(file, { timeout: 5000 }))
      : new Database(file);
  return new Kysely({ dialect: new SqliteDialect({ database }) });
}

/** The race's database, as every process opens it. */
export function openDb(args: readonly string[]): AnyKysely {
  const [kind, , file] = args as [string, string, string | undefined];
  if (kind === 'postgres' || kind === 'tiered') return postgresKysely();
  if (kind === 'mysql') return mysqlKysely();
  return sqlite(kind, file!);
}

export async function openStore(args: readonly string[]): Promise<UpdateRaceStore> {
  const [kind, table] = args as [string, string];
  const db = openDb(args);
  const durable = kyselyStore({ db, table, cleanup: false });
  if (kind !== 'tiered') {
    return {
      store: durable,
      close: async () => {
        await durable.close();
        await db.destroy();
      },
    };
  }
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  const store = tieredStore({ cache: redisStore({ client: redis, prefix: `${table}:` }), durable });
  return {
    store,
    close: async () => {
      await store.close();
      await db.destroy();
      await redis.quit();
    },
  };
}
