// The shared store conformance suite, once per database: PostgreSQL, MariaDB, and SQLite on
// better-sqlite3 and on node:sqlite, each in a file and in memory. Every run has its own table.
import { describeStoreConformance } from '@cloakroom/session-store-test';
import { type KyselySessionStore, kyselyStore } from './kysely-store.ts';
import { createSessionTable, dropSessionTable } from './schema.ts';
import { ALL_TARGETS, randomTable, rowExpiry, type TestDatabase } from './test-databases.ts';

for (const target of ALL_TARGETS) {
  const table = randomTable();
  let database: TestDatabase | undefined;
  const db = () => {
    if (!database) throw new Error(`${target.name}: the database did not open`);
    return database.db;
  };

  describeStoreConformance<KyselySessionStore>({
    name: `kysely/${target.name}`,
    createStore: async () => {
      database = await target.open();
      await createSessionTable(database.db, { table });
      // The suite calls deleteExpired() itself.
      return kyselyStore({ db: database.db, table, cleanup: false });
    },
    cleanup: async (store) => {
      await store.close();
      if (database) {
        await dropSessionTable(database.db, { table });
        await database.close();
      }
    },
    capabilities: { compareAndSet: true, getAndTouch: true, userIndex: true, deleteExpired: true },
    backendExpiry: (_store, key) => rowExpiry(db(), table, key),
  });
}
