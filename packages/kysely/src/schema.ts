import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import {
  type AnyKysely,
  configError,
  DEFAULT_TABLE,
  detectDialect,
  type SqlDialect,
  validateTableName,
} from './dialect.ts';

/** Which table, and in which SQL flavour, the schema helpers work on. */
export interface SessionTableOptions {
  /**
   * The table name: 1 to 48 ASCII letters, digits or underscores. Indexes are named after it.
   * @default 'cloakroom_sessions'
   */
  readonly table?: string;
  /**
   * The SQL flavour. Detected from the Kysely instance's adapter when omitted; needed only for a
   * third-party dialect whose adapter does not extend Kysely's own.
   * @default detected
   */
  readonly dialect?: SqlDialect;
}

// A binary string compares byte for byte with no padding (no collation at all): see sessionTableSql().
const EXACT_USER_ID = 'varbinary(1020)';
// The column as tables created before 2026-12 have it, for the down migration.
const PADDED_USER_ID = 'varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin';

function quote(dialect: SqlDialect, name: string): string {
  // The name was validated (letters, digits, underscores), so quoting cannot be escaped; quoting keeps
  // its case and lets reserved words such as `session` or `order` be used.
  return dialect === 'mysql' ? `\`${name}\`` : `"${name}"`;
}

/**
 * The plain SQL that creates the session table and its indexes, one statement per entry. The
 * migration and {@link createSessionTable} run exactly these statements.
 *
 * Column types per dialect:
 * - `id`: the 43-character base64url hash of the session id. PostgreSQL `text` and SQLite `text`
 *   compare bytes; MySQL gets `varchar(64)` in `ascii_bin`, because the default `*_ci` collations
 *   would make two keys that differ only in letter case collide.
 * - `data`: core's encoded session, opaque to the store: `text` (not `jsonb`: the codec is pluggable,
 *   and `jsonb` would re-parse and re-order every write), MySQL `mediumtext` in `utf8mb4` (up to 16 MiB;
 *   `text` stops at 64 KiB).
 * - `version`: a counter bumped by every write, the compare-and-set token (`bigint`, SQLite `integer`).
 * - `user_id`: nullable, indexed for listing and revoking a user's sessions, compared exactly. PostgreSQL
 *   and SQLite compare `text` byte for byte (with a partial index over non-null ids). MySQL/MariaDB get
 *   `varbinary(1020)` (255 characters of UTF-8): every text collation there, `utf8mb4_bin` included,
 *   pads with spaces when comparing, so `'alice'` would match `'alice '` and revoking one user's sessions
 *   would end another's. {@link sessionUserIdMigration} converts a table made before this change.
 *   The `id` column has no such risk: it only ever holds core's fixed-length base64url hashes.
 * - `expires_at`, `created_at`: PostgreSQL `timestamptz(3)`, an unambiguous instant at millisecond
 *   precision that reads well in `psql`. MySQL and SQLite store epoch milliseconds in a `bigint` /
 *   `integer`: MySQL's `DATETIME` has no time zone (ambiguous around daylight-saving changes) and its
 *   `TIMESTAMP` ends in 2038; SQLite has no date type at all.
 *
 * @throws SessionError (`SESSION_CONFIG`) for an invalid table name or dialect.
 * @example
 * console.log(sessionTableSql({ dialect: 'postgres' }).join(';\n'));
 */
export function sessionTableSql(options: SessionTableOptions & { readonly dialect: SqlDialect }): string[] {
  const table = validateTableName(options.table ?? DEFAULT_TABLE);
  const dialect = options.dialect;
  const t = quote(dialect, table);
  const expiresIdx = quote(dialect, `${table}_expires_at_idx`);
  const userIdx = quote(dialect, `${table}_user_id_idx`);
  switch (dialect) {
    case 'postgres':
      return [
        `CREATE TABLE IF NOT EXISTS ${t} (
  "id" text PRIMARY KEY,
  "data" text NOT NULL,
  "version" bigint NOT NULL,
  "user_id" text,
  "expires_at" timestamptz(3) NOT NULL,
  "created_at" timestamptz(3) NOT NULL DEFAULT now()
)`,
        `CREATE INDEX IF NOT EXISTS ${expiresIdx} ON ${t} ("expires_at")`,
        `CREATE INDEX IF NOT EXISTS ${userIdx} ON ${t} ("user_id") WHERE "user_id" IS NOT NULL`,
      ];
    case 'mysql':
      // Indexes inline: MySQL (unlike MariaDB) has no CREATE INDEX IF NOT EXISTS.
      return [
        `CREATE TABLE IF NOT EXISTS ${t} (
  \`id\` varchar(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  \`data\` mediumtext CHARACTER SET utf8mb4 NOT NULL,
  \`version\` bigint NOT NULL,
  \`user_id\` ${EXACT_USER_ID} NULL,
  \`expires_at\` bigint NOT NULL,
  \`created_at\` bigint NOT NULL,
  PRIMARY KEY (\`id\`),
  KEY ${expiresIdx} (\`expires_at\`),
  KEY ${userIdx} (\`user_id\`)
) ENGINE=InnoDB`,
      ];
    case 'sqlite':
      return [
        `CREATE TABLE IF NOT EXISTS ${t} (
  "id" text PRIMARY KEY NOT NULL,
  "data" text NOT NULL,
  "version" integer NOT NULL,
  "user_id" text,
  "expires_at" integer NOT NULL,
  "created_at" integer NOT NULL
)`,
        `CREATE INDEX IF NOT EXISTS ${expiresIdx} ON ${t} ("expires_at")`,
        `CREATE INDEX IF NOT EXISTS ${userIdx} ON ${t} ("user_id") WHERE "user_id" IS NOT NULL`,
      ];
    default:
      throw configError(`dialect must be 'postgres', 'mysql' or 'sqlite' (got ${JSON.stringify(dialect)}).`);
  }
}

/**
 * Creates the session table and its indexes if they do not exist (idempotent, safe at every start).
 * @throws SessionError (`SESSION_CONFIG`) for an invalid table name or an unknown dialect; the
 *   database's own error when the DDL fails.
 * @example
 * await createSessionTable(db, { table: 'sessions' });
 */
export async function createSessionTable(db: AnyKysely, options: SessionTableOptions = {}): Promise<void> {
  const dialect = detectDialect(db, options.dialect);
  for (const statement of sessionTableSql({ ...options, dialect })) {
    await sql.raw(statement).execute(db);
  }
  // A table made before the user id compared exactly is converted here too (at most once: checked first).
  await exactUserId(db, dialect, validateTableName(options.table ?? DEFAULT_TABLE));
}

async function userIdType(db: AnyKysely, table: string): Promise<string | undefined> {
  const { rows } = await sql<{ type: string }>`
    SELECT DATA_TYPE AS type FROM information_schema.COLUMNS
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ${table} AND COLUMN_NAME = 'user_id'`.execute(db);
  return rows[0]?.type.toLowerCase();
}

async function exactUserId(db: AnyKysely, dialect: SqlDialect, table: string): Promise<void> {
  if (dialect !== 'mysql') return;
  const type = await userIdType(db, table);
  if (type === undefined || type === 'varbinary') return;
  await sql.raw(`ALTER TABLE ${quote(dialect, table)} MODIFY \`user_id\` ${EXACT_USER_ID} NULL`).execute(db);
}

/**
 * The migration that makes the `user_id` column of an existing MySQL/MariaDB table compare exactly
 * (`varbinary`: no trailing-space padding), for tables created with {@link sessionTableMigration} before
 * 2026-12. Add it after that one under a later name. The bytes stored stay the same; PostgreSQL and SQLite
 * compare exactly already, so it does nothing there, and nothing on a table already converted. `down`
 * restores the padded `utf8mb4_bin` column.
 * @throws SessionError (`SESSION_CONFIG`) for an invalid table name.
 * @example
 * provider: {
 *   getMigrations: async () => ({
 *     '2026_11_22_sessions': sessionTableMigration({ table: 'sessions' }),
 *     '2026_12_07_sessions_exact_user_id': sessionUserIdMigration({ table: 'sessions' }),
 *   }),
 * }
 */
export function sessionUserIdMigration(options: SessionTableOptions = {}): Migration {
  const table = validateTableName(options.table ?? DEFAULT_TABLE);
  return {
    up: (db) => exactUserId(db, detectDialect(db, options.dialect), table),
    down: async (db) => {
      const dialect = detectDialect(db, options.dialect);
      if (dialect !== 'mysql' || (await userIdType(db, table)) !== 'varbinary') return;
      await sql
        .raw(`ALTER TABLE ${quote(dialect, table)} MODIFY \`user_id\` ${PADDED_USER_ID} NULL`)
        .execute(db);
    },
  };
}

/**
 * Drops the session table (and with it its indexes) if it exists.
 * @throws SessionError (`SESSION_CONFIG`) for an invalid table name; the database's error otherwise.
 * @example
 * await dropSessionTable(db, { table: 'sessions' });
 */
export async function dropSessionTable(db: AnyKysely, options: SessionTableOptions = {}): Promise<void> {
  const dialect = detectDialect(db, options.dialect);
  const table = validateTableName(options.table ?? DEFAULT_TABLE);
  await sql.raw(`DROP TABLE IF EXISTS ${quote(dialect, table)}`).execute(db);
}

/**
 * The schema as a Kysely migration, for Kysely's `Migrator`: `up` creates the table and indexes,
 * `down` drops them. The table name is validated now, the dialect detected when it runs.
 * @throws SessionError (`SESSION_CONFIG`) for an invalid table name.
 * @example
 * const migrator = new Migrator({
 *   db,
 *   provider: { getMigrations: async () => ({ '2026_11_22_sessions': sessionTableMigration({ table: 'sessions' }) }) },
 * });
 * await migrator.migrateToLatest();
 */
export function sessionTableMigration(options: SessionTableOptions = {}): Migration {
  validateTableName(options.table ?? DEFAULT_TABLE);
  return {
    up: (db) => createSessionTable(db, options),
    down: (db) => dropSessionTable(db, options),
  };
}
