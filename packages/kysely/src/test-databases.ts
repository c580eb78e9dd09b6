// Test-only helpers (not exported by the package): real databases for every dialect, each test run on
// its own randomly named table.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import Database from 'better-sqlite3';
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import type { AnyKysely, SqlDialect } from './dialect.ts';
import { nodeSqliteDatabase } from './node-sqlite.ts';

export const PG_URL: string = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MYSQL_URL: string = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** A database to run a test file against. `open` connects and proves the server answers. */
export interface TestTarget {
  readonly name: string;
  readonly dialect: SqlDialect;
  open(): Promise<TestDatabase>;
}

export interface TestDatabase {
  readonly db: AnyKysely;
  /** Destroys the Kysely instance and removes any file it made. */
  close(): Promise<void>;
}

export function randomTable(): string {
  return `cr_test_${randomBytes(6).toString('hex')}`;
}

/** A random 43-character base64url key, shaped like core's hashed keys. */
export function randomKey(): string {
  return randomBytes(32).toString('base64url');
}

async function reachable(db: AnyKysely, what: string): Promise<void> {
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    await db.destroy().catch(() => {});
    throw new Error(`${what}: ${(error as Error).message}`);
  }
}

export function postgresKysely(
  connectionString: string = PG_URL,
  poolOptions: pg.PoolConfig = {},
): AnyKysely {
  return new Kysely({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString, max: 5, ...poolOptions }) }),
  });
}

export function mysqlKysely(uri: string = MYSQL_URL): AnyKysely {
  return new Kysely({ dialect: new MysqlDialect({ pool: createPool({ uri, connectionLimit: 5 }) }) });
}

function tempFile(): { path: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'cloakroom-kysely-'));
  return { path: join(dir, 'sessions.db'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const postgres: TestTarget = {
  name: 'postgres',
  dialect: 'postgres',
  async open() {
    const db = postgresKysely();
    await reachable(db, `PostgreSQL is unreachable at ${PG_URL} (set PG_URL)`);
    return { db, close: () => db.destroy() };
  },
};

export const mariadb: TestTarget = {
  name: 'mysql (MariaDB)',
  dialect: 'mysql',
  async open() {
    const db = mysqlKysely();
    await reachable(db, `MySQL/MariaDB is unreachable at ${MYSQL_URL} (set MYSQL_URL)`);
    return { db, close: () => db.destroy() };
  },
};

function betterSqlite(file: boolean): TestTarget {
  return {
    name: `sqlite (better-sqlite3, ${file ? 'file' : 'memory'})`,
    dialect: 'sqlite',
    async open() {
      const temp = file ? tempFile() : undefined;
      const db: AnyKysely = new Kysely({
        dialect: new SqliteDialect({ database: new Database(temp?.path ?? ':memory:') }),
      });
      return {
        db,
        close: async () => {
          await db.destroy();
          temp?.remove();
        },
      };
    },
  };
}

function nodeSqlite(file: boolean): TestTarget {
  return {
    name: `sqlite (node:sqlite, ${file ? 'file' : 'memory'})`,
    dialect: 'sqlite',
    async open() {
      const temp = file ? tempFile() : undefined;
      const db: AnyKysely = new Kysely({
        dialect: new SqliteDialect({
          database: nodeSqliteDatabase(new DatabaseSync(temp?.path ?? ':memory:')),
        }),
      });
      return {
        db,
        close: async () => {
          await db.destroy();
          temp?.remove();
        },
      };
    },
  };
}

export const betterSqliteMemory: TestTarget = betterSqlite(false);
export const betterSqliteFile: TestTarget = betterSqlite(true);
export const nodeSqliteMemory: TestTarget = nodeSqlite(false);
export const nodeSqliteFile: TestTarget = nodeSqlite(true);

export const ALL_TARGETS: readonly TestTarget[] = [
  postgres,
  mariadb,
  betterSqliteMemory,
  betterSqliteFile,
  nodeSqliteMemory,
  nodeSqliteFile,
];

/** Reads a row's stored expiry, expired or not, as epoch milliseconds; `null` when there is no row. */
export async function rowExpiry(db: AnyKysely, table: string, key: string): Promise<number | null> {
  const row = await db.selectFrom(table).select('expires_at').where('id', '=', key).executeTakeFirst();
  if (!row) return null;
  const value = (row as { expires_at: unknown }).expires_at;
  return value instanceof Date ? value.getTime() : Number(value);
}

/** Counts a table's rows, expired or not. */
export async function countRows(db: AnyKysely, table: string): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number((row as { n: unknown }).n);
}

/**
 * Relays loopback connections to a real server, on a spare port: `cut` drops every connection and
 * refuses new ones, `start('blackhole')` accepts connections and never answers. A network outage
 * between the store and its server, while the server itself (and its data) stays up.
 */
export class Relay {
  #server: Server | undefined;
  #sockets = new Set<Socket>();
  #mode: 'relay' | 'blackhole' = 'relay';
  port = 0;

  constructor(
    private readonly host: string,
    private readonly targetPort: number,
  ) {}

  async start(mode: 'relay' | 'blackhole' = 'relay'): Promise<void> {
    this.#mode = mode;
    const server = createServer((client) => {
      this.#track(client);
      if (this.#mode === 'blackhole') return; // accepted, never answered
      const upstream = this.#track(new Socket());
      upstream.connect(this.targetPort, this.host);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #track(socket: Socket): Socket {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    return socket;
  }
}
