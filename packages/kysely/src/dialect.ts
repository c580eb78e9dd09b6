import { SessionError } from '@cloakroom/session-core';
import { type Kysely, MysqlAdapter, PostgresAdapter, SqliteAdapter } from 'kysely';

/** The SQL dialects the store speaks. MariaDB uses `mysql`. */
export type SqlDialect = 'postgres' | 'mysql' | 'sqlite';

/**
 * Any Kysely instance or transaction. The store and the migration never use the caller's table types,
 * so the database type parameter is left open.
 */
// biome-ignore lint/suspicious/noExplicitAny: Kysely<DB> is invariant in DB; `any` is how Kysely's own Migration accepts every instance.
export type AnyKysely = Kysely<any>;

/** The table name used when none is given. */
export const DEFAULT_TABLE = 'cloakroom_sessions';

// Letters, digits and underscores, not starting with a digit. 48 characters leaves room for the
// `_expires_at_idx` suffix within PostgreSQL's 63-byte and MySQL's 64-character identifier limits.
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/;

/** Builds a configuration error with this package's prefix. */
export function configError(message: string): SessionError {
  return new SessionError('SESSION_CONFIG', `@cloakroom/session-kysely: ${message}`);
}

/**
 * Checks a table name: 1 to 48 ASCII letters, digits or underscores, not starting with a digit.
 * @returns the name, unchanged.
 * @throws SessionError (`SESSION_CONFIG`) when the name is anything else.
 * @example
 * validateTableName('app_sessions'); // 'app_sessions'
 */
export function validateTableName(table: string): string {
  if (typeof table !== 'string' || !TABLE_NAME.test(table)) {
    throw configError(
      `table must be 1 to 48 ASCII letters, digits or underscores, not starting with a digit (got ${JSON.stringify(String(table)).slice(0, 80)}).`,
    );
  }
  return table;
}

/**
 * Finds the dialect of a Kysely instance from its adapter (PGlite and other adapters that extend
 * Kysely's own count as theirs).
 * @throws SessionError (`SESSION_CONFIG`) for an adapter this package does not know and no `dialect`.
 */
export function detectDialect(db: AnyKysely, override?: SqlDialect): SqlDialect {
  if (override !== undefined) {
    if (override !== 'postgres' && override !== 'mysql' && override !== 'sqlite') {
      throw configError(`dialect must be 'postgres', 'mysql' or 'sqlite' (got ${JSON.stringify(override)}).`);
    }
    return override;
  }
  if (!db || typeof db.getExecutor !== 'function') {
    throw configError('db must be a Kysely instance.');
  }
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof PostgresAdapter) return 'postgres';
  if (adapter instanceof MysqlAdapter) return 'mysql';
  if (adapter instanceof SqliteAdapter) return 'sqlite';
  throw configError(
    "cannot tell this Kysely dialect's SQL flavour; pass dialect: 'postgres', 'mysql' or 'sqlite' (MSSQL is not supported).",
  );
}
