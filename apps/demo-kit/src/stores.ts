import { type AnySessionStore, memoryStore } from '@cloakroom/session-core';
import type { DemoConfig } from './config.ts';
import { logTarget } from './log-target.ts';

/** A store and how to release everything the demo opened for it. */
export interface DemoStore {
  readonly store: AnySessionStore;
  /** Closes the store, then the clients the demo built for it. Idempotent. */
  close(): Promise<void>;
}

/** The SQL table the demos share (created at start-up when missing). */
export const DEMO_TABLE = 'cloakroom_demo_sessions';
/** The key prefix the demos use on Redis and Memcached, apart from other apps on the same server. */
export const DEMO_PREFIX = 'cloakroom-demo:';

function once(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= close();
    return closing;
  };
}

/**
 * Builds the store the configuration names. A client library is imported only for the store in use, so a
 * demo on SQLite never loads `pg`, `mysql2`, `ioredis` or `memcache-client`.
 * @throws the client's error when a SQL server is unreachable at start-up (the table is created then);
 *   Redis and Memcached connect lazily, and requests answer 503 while they are down.
 * @example
 * const { store, close } = await createDemoStore(loadConfig());
 */
export async function createDemoStore(config: DemoConfig): Promise<DemoStore> {
  switch (config.store) {
    case 'memory': {
      const store = memoryStore();
      return { store, close: once(() => store.close()) };
    }
    case 'redis': {
      const [{ Redis, Cluster }, { redisStore }] = await Promise.all([
        import('ioredis'),
        import('@cloakroom/session-redis'),
      ]);
      const nodes = config.redisClusterNodes;
      // The settings the Redis store's README recommends: a dead server fails requests fast (503) and the
      // client keeps reconnecting, so the demo serves again by itself once Redis is back. A Cluster client
      // finds every master from the seed nodes and follows slot moves and failovers by itself.
      const client =
        nodes === undefined
          ? new Redis(config.redisUrl, {
              commandTimeout: 500,
              maxRetriesPerRequest: 1,
              retryStrategy: (times) => Math.min(times * 100, 2000),
            })
          : new Cluster(nodes.map(seedNode), {
              redisOptions: { commandTimeout: 500, maxRetriesPerRequest: 1 },
              clusterRetryStrategy: (times) => Math.min(100 + times * 100, 2000),
            });
      // Seed nodes are `host:port` only (no credentials), so they are logged as they are.
      const target = nodes === undefined ? logTarget(config.redisUrl) : `cluster ${nodes.join(',')}`;
      let reported = false;
      client.on('error', (error: Error) => {
        if (!reported) console.error(`demo: redis at ${target}: ${error.message}`);
        reported = true;
      });
      client.on('ready', () => {
        reported = false;
      });
      const store = redisStore({ client, prefix: DEMO_PREFIX });
      return {
        store,
        close: once(async () => {
          await store.close();
          // QUIT waits for a reply: only ask a server that is there.
          if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
          else client.disconnect();
        }),
      };
    }
    case 'memcached': {
      const { memcachedStore } = await import('@cloakroom/session-memcached');
      const servers = config.memcachedUrl.replace(/memcached:\/\//g, '');
      const store = memcachedStore({ servers, prefix: DEMO_PREFIX });
      return { store, close: once(() => store.close()) };
    }
    default:
      return createSqlStore(config);
  }
}

/** A Cluster seed node from `host:port`. */
function seedNode(node: string): { host: string; port: number } {
  const at = node.lastIndexOf(':');
  return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
}

async function createSqlStore(config: DemoConfig): Promise<DemoStore> {
  const [{ Kysely, SqliteDialect, PostgresDialect, MysqlDialect }, kysely] = await Promise.all([
    import('kysely'),
    import('@cloakroom/session-kysely'),
  ]);
  let dialect: InstanceType<typeof SqliteDialect | typeof PostgresDialect | typeof MysqlDialect>;
  if (config.store === 'postgres') {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: config.pgUrl, max: 10 });
    // A pooled connection reset while idle (a database restart) is an 'error' event: without listeners
    // Node would exit. The store's next query reconnects; the failure is logged once per connection.
    const logReset = (error: Error) => console.warn(`demo: PostgreSQL connection lost (${error.message})`);
    pool.on('error', logReset);
    pool.on('connect', (client) => client.on('error', logReset));
    dialect = new PostgresDialect({ pool });
  } else if (config.store === 'mysql') {
    const { createPool } = await import('mysql2');
    dialect = new MysqlDialect({ pool: createPool({ uri: config.mysqlUrl, connectionLimit: 10 }) });
  } else {
    const [{ DatabaseSync }, { mkdirSync }, { dirname }] = await Promise.all([
      import('node:sqlite').catch(() => {
        throw new Error(
          `demo: the SQLite store needs node:sqlite (Node 22.5 or newer; this is ${process.version})`,
        );
      }),
      import('node:fs'),
      import('node:path'),
    ]);
    mkdirSync(dirname(config.sqliteFile), { recursive: true });
    const database = new DatabaseSync(config.sqliteFile);
    // Several demo processes share the file: a writer that finds it locked waits up to 5 s instead of
    // failing at once (set first, so processes starting together also wait for the switch to WAL), and
    // WAL lets readers work beside the one writer.
    database.exec('PRAGMA busy_timeout = 5000;');
    // Switching to WAL needs the file to itself and may fail at once while another process holds it.
    await retryLocked(async () => {
      database.exec('PRAGMA journal_mode = WAL;');
    });
    dialect = new SqliteDialect({ database: kysely.nodeSqliteDatabase(database) });
  }
  const db = new Kysely<unknown>({ dialect });
  try {
    // Several demo processes start at once on one SQLite file: a schema write that meets another's
    // lock fails at once (SQLite does not wait when a read would have to become a write), so retry.
    await retryLocked(() => kysely.createSessionTable(db, { table: DEMO_TABLE }));
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw error;
  }
  const store = kysely.kyselyStore({ db, table: DEMO_TABLE });
  return {
    store,
    close: once(async () => {
      await store.close();
      await db.destroy();
    }),
  };
}

/** Runs `fn`, retrying for a few seconds while another process holds the SQLite file's lock. */
async function retryLocked(fn: () => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fn();
      return;
    } catch (error) {
      if (attempt >= 40 || !/database is locked|SQLITE_BUSY/i.test(String(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
    }
  }
}
