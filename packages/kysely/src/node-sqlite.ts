import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

// Without `columns()` (Node < 22.16), statements that return rows are recognized by their SQL.
const READER_SQL = /^\s*(select|with|values|pragma|explain)\b|\breturning\b/i;

function isReader(statement: StatementSync, sqlText: string): boolean {
  if (typeof statement.columns === 'function') return statement.columns().length > 0;
  return READER_SQL.test(sqlText);
}

function bindable(parameters: ReadonlyArray<unknown>): SQLInputValue[] {
  // node:sqlite binds null, numbers, bigints, strings and bytes only; Kysely may hand it booleans or
  // undefined (better-sqlite3 accepts those as 1/0 and NULL, so do the same).
  return parameters.map((value) => {
    if (value === undefined) return null;
    if (typeof value === 'boolean') return value ? 1 : 0;
    return value as SQLInputValue;
  });
}

/**
 * Adapts Node's built-in `node:sqlite` `DatabaseSync` to the database interface Kysely's
 * `SqliteDialect` expects, so an embedded SQLite store needs no native module. Kysely's `destroy()`
 * closes the database.
 * @returns a `SqliteDatabase` for `new SqliteDialect({ database })`.
 * @example
 * import { DatabaseSync } from 'node:sqlite';
 * import { Kysely, SqliteDialect } from 'kysely';
 * const db = new Kysely({ dialect: new SqliteDialect({ database: nodeSqliteDatabase(new DatabaseSync('sessions.db')) }) });
 */
export function nodeSqliteDatabase(database: DatabaseSync): SqliteDatabase {
  return {
    close(): void {
      if (database.isOpen) database.close();
    },
    prepare(sqlText: string): SqliteStatement {
      const statement = database.prepare(sqlText);
      return {
        reader: isReader(statement, sqlText),
        all: (parameters) => statement.all(...bindable(parameters)),
        run: (parameters) => {
          const { changes, lastInsertRowid } = statement.run(...bindable(parameters));
          return { changes, lastInsertRowid };
        },
        iterate: (parameters) => statement.iterate(...bindable(parameters)),
      };
    },
  };
}
