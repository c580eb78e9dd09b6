import {
  DummyDriver,
  Kysely,
  type KyselyPlugin,
  MssqlAdapter,
  MssqlIntrospector,
  MssqlQueryCompiler,
  sql,
} from 'kysely';
import { type Migration, Migrator } from 'kysely/migration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyKysely } from './dialect.ts';
import { detectDialect, validateTableName } from './dialect.ts';
import { kyselyStore } from './kysely-store.ts';
import {
  createSessionTable,
  dropSessionTable,
  sessionTableMigration,
  sessionTableSql,
  sessionUserIdMigration,
} from './schema.ts';
import { ALL_TARGETS, mariadb, randomKey, randomTable, type TestDatabase } from './test-databases.ts';

async function tableExists(db: AnyKysely, table: string): Promise<boolean> {
  const tables = await db.introspection.getTables();
  return tables.some((t) => t.name === table);
}

/** A Migrator with its bookkeeping tables named after the test's table. */
function migratorOf(db: AnyKysely, table: string, migrations: Record<string, Migration>): Migrator {
  return new Migrator({
    db,
    migrationTableName: `${table}_migrations`,
    migrationLockTableName: `${table}_migrations_lock`,
    provider: { getMigrations: async () => migrations },
  });
}

describe.each(ALL_TARGETS)('the session table on $name', (target) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await target.open();
  });

  afterAll(async () => {
    await database?.close();
  });

  it("sessionTableMigration() runs under Kysely's Migrator, up and down", async () => {
    const { db } = database;
    const table = randomTable();
    const migrator = migratorOf(db, table, { '2026_11_22_sessions': sessionTableMigration({ table }) });
    try {
      const up = await migrator.migrateToLatest();
      expect(up.error).toBeUndefined();
      expect(up.results?.map((r) => r.status)).toEqual(['Success']);
      expect(await tableExists(db, table)).toBe(true);
      const store = kyselyStore({ db, table, cleanup: false });
      const key = randomKey();
      await store.create(key, {
        data: 'x',
        expiresAt: Date.now() + 60_000,
        absoluteExpiresAt: Date.now() + 60_000,
        userId: null,
      });
      expect((await store.get(key))?.data).toBe('x');

      const down = await migrator.migrateDown();
      expect(down.error).toBeUndefined();
      expect(await tableExists(db, table)).toBe(false);
    } finally {
      await dropSessionTable(db, { table });
      await dropSessionTable(db, { table: `${table}_migrations` });
      await dropSessionTable(db, { table: `${table}_migrations_lock` });
    }
  });

  it('createSessionTable() is idempotent and builds the indexes', async () => {
    const { db } = database;
    const table = randomTable();
    try {
      await createSessionTable(db, { table });
      await createSessionTable(db, { table });
      const columns = (await db.introspection.getTables()).find((t) => t.name === table)?.columns ?? [];
      expect(columns.map((c) => c.name).sort()).toEqual([
        'created_at',
        'data',
        'expires_at',
        'id',
        'user_id',
        'version',
      ]);
      expect(columns.find((c) => c.name === 'user_id')?.isNullable).toBe(true);
      expect(columns.find((c) => c.name === 'data')?.isNullable).toBe(false);
    } finally {
      await dropSessionTable(db, { table });
    }
    expect(await tableExists(db, table)).toBe(false);
  });
});

describe('a MariaDB table made before user ids compared exactly', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await mariadb.open();
  });

  afterAll(async () => {
    await database?.close();
  });

  /** The table as sessionTableSql() made it until 2026-12: a padded `utf8mb4_bin` user id. */
  async function legacyTable(table: string): Promise<void> {
    const [current] = sessionTableSql({ dialect: 'mysql', table });
    const legacy = current!.replace(
      /`user_id` [^\n]*NULL,/,
      '`user_id` varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,',
    );
    expect(legacy).not.toBe(current);
    await sql.raw(legacy).execute(database.db);
  }

  /** Who listByUser('alice') finds, with sessions for "alice" and "alice " in the table. */
  async function aliceFinds(table: string): Promise<string[]> {
    const store = kyselyStore({ db: database.db, table, cleanup: false });
    const expiresAt = Date.now() + 60_000;
    for (const user of ['alice', 'alice ']) {
      await store.create(randomKey(), { data: user, expiresAt, absoluteExpiresAt: expiresAt, userId: user });
    }
    const found = (await store.listByUser('alice')).map((session) => session.data);
    await database.db.deleteFrom(table).execute();
    return found;
  }

  it('createSessionTable() converts it, so listByUser("alice") no longer returns "alice "\'s sessions', async () => {
    const table = randomTable();
    try {
      await legacyTable(table);
      expect((await aliceFinds(table)).sort(), 'the padded collation, as it was').toEqual([
        'alice',
        'alice ',
      ]);
      await createSessionTable(database.db, { table });
      expect(await aliceFinds(table)).toEqual(['alice']);
    } finally {
      await dropSessionTable(database.db, { table });
    }
  });

  it('sessionUserIdMigration() converts it under the Migrator, keeps the stored ids, and goes down again', async () => {
    const { db } = database;
    const table = randomTable();
    const migrator = migratorOf(db, table, { '2026_12_07_exact_user_id': sessionUserIdMigration({ table }) });
    try {
      await legacyTable(table);
      const store = kyselyStore({ db, table, cleanup: false });
      const key = randomKey();
      const expiresAt = Date.now() + 60_000;
      await store.create(key, { data: 'x', expiresAt, absoluteExpiresAt: expiresAt, userId: 'zoë ' });
      const up = await migrator.migrateToLatest();
      expect(up.error).toBeUndefined();
      expect((await store.listByUser('zoë ')).map((s) => s.key)).toEqual([key]);
      expect(await store.listByUser('zoë')).toEqual([]);
      await db.deleteFrom(table).execute();
      expect(await aliceFinds(table)).toEqual(['alice']);
      const down = await migrator.migrateDown();
      expect(down.error).toBeUndefined();
      expect((await aliceFinds(table)).sort()).toEqual(['alice', 'alice ']);
    } finally {
      await dropSessionTable(db, { table });
      await dropSessionTable(db, { table: `${table}_migrations` });
      await dropSessionTable(db, { table: `${table}_migrations_lock` });
    }
  });
});

describe('sessionTableSql()', () => {
  it('names the table and its indexes after the option, quoted per dialect', () => {
    expect(sessionTableSql({ dialect: 'postgres', table: 'order' })).toEqual([
      expect.stringContaining('CREATE TABLE IF NOT EXISTS "order" ('),
      'CREATE INDEX IF NOT EXISTS "order_expires_at_idx" ON "order" ("expires_at")',
      'CREATE INDEX IF NOT EXISTS "order_user_id_idx" ON "order" ("user_id") WHERE "user_id" IS NOT NULL',
    ]);
    const [mysql] = sessionTableSql({ dialect: 'mysql' });
    expect(mysql).toContain('CREATE TABLE IF NOT EXISTS `cloakroom_sessions` (');
    expect(mysql).toContain('CHARACTER SET ascii COLLATE ascii_bin');
    expect(sessionTableSql({ dialect: 'sqlite' })).toHaveLength(3);
  });

  it('refuses table names that are not plain identifiers, and unknown dialects', () => {
    for (const table of ['a"b', 'a`b', 'a b', 'a.b', '', '9a', 'x'.repeat(49)]) {
      expect(() => sessionTableSql({ dialect: 'postgres', table })).toThrow(/SESSION_CONFIG|table must be/);
      expect(() => sessionTableMigration({ table })).toThrow(/table must be/);
    }
    expect(validateTableName('Sessions_2')).toBe('Sessions_2');
    expect(() => sessionTableSql({ dialect: 'oracle' as 'postgres' })).toThrow(/dialect must be/);
  });
});

describe('detectDialect()', () => {
  it('asks for the dialect when the adapter is not one it knows', () => {
    // Kysely's own recipe for an instance that never connects: a dummy driver, here with MSSQL's adapter.
    const mssql: AnyKysely = new Kysely({
      dialect: {
        createAdapter: () => new MssqlAdapter(),
        createDriver: () => new DummyDriver(),
        createIntrospector: (db) => new MssqlIntrospector(db),
        createQueryCompiler: () => new MssqlQueryCompiler(),
      },
    });
    expect(() => detectDialect(mssql)).toThrow(/pass dialect/);
    expect(detectDialect(mssql, 'postgres')).toBe('postgres');
    const plugin: KyselyPlugin = { transformQuery: (a) => a.node, transformResult: async (a) => a.result };
    expect(() => detectDialect(mssql.withPlugin(plugin))).toThrow(/pass dialect/);
  });
});
