export { type AnyKysely, DEFAULT_TABLE, type SqlDialect, validateTableName } from './dialect.ts';
export {
  type KyselyCleanupOptions,
  type KyselySessionStore,
  type KyselyStoreOptions,
  kyselyStore,
} from './kysely-store.ts';
export { nodeSqliteDatabase } from './node-sqlite.ts';
export {
  createSessionTable,
  dropSessionTable,
  type SessionTableOptions,
  sessionTableMigration,
  sessionTableSql,
  sessionUserIdMigration,
} from './schema.ts';
