import { resolve } from 'node:path';

/** Where the demo keeps its sessions (`SESSION_STORE`). */
export type StoreKind = 'sqlite' | 'memory' | 'redis' | 'memcached' | 'postgres' | 'mysql';

/** Demo configuration, read from the environment by {@link loadConfig}. */
export interface DemoConfig {
  /** `PORT`; `0` picks a free port (tests). @default 3000 */
  readonly port: number;
  /** `HOST`, the address to listen on. @default '127.0.0.1' */
  readonly host: string;
  /**
   * `SESSION_SECRET`, at least 32 bytes. Required: without it the demo refuses to start, unless
   * `DEMO_INSECURE_DEV_SECRET=1` accepts a published development secret (with a warning).
   */
  readonly secret: string;
  /** `SESSION_STORE`. @default 'sqlite' */
  readonly store: StoreKind;
  /** `SESSION_SQLITE_FILE`, resolved against the working directory. @default '.data/sessions.db' */
  readonly sqliteFile: string;
  /** `REDIS_URL`. @default 'redis://127.0.0.1:6379' */
  readonly redisUrl: string;
  /**
   * `REDIS_CLUSTER_NODES` (`host:port`, several separated by commas), or a `REDIS_URL` of the form
   * `redis+cluster://host:port,host:port`: seed nodes of a Redis Cluster, which the Redis store then uses
   * instead of a single node (the client discovers the other masters from them). Absent for a single node.
   */
  readonly redisClusterNodes?: readonly string[];
  /** `MEMCACHED_URL`: `host:port`, several separated by commas. @default '127.0.0.1:11211' */
  readonly memcachedUrl: string;
  /** `PG_URL`. @default 'postgres://postgres@127.0.0.1:5432/test' */
  readonly pgUrl: string;
  /** `MYSQL_URL`. @default 'mysql://root@127.0.0.1:3306/test' */
  readonly mysqlUrl: string;
  /** `SESSION_IDLE_TIMEOUT`, seconds. @default 1800 */
  readonly idleTimeout: number;
  /** `SESSION_ABSOLUTE_TIMEOUT`, seconds. @default 86400 */
  readonly absoluteTimeout: number;
  /** `SESSION_COOKIE_SECURE`: `false` (or `0`) only for plain-HTTP local use. @default true */
  readonly cookieSecure: boolean;
  /**
   * `DEMO_SCENARIO_ROUTES=1`: also serve the shared scenario app's routes (packages/adapter-test) under
   * {@link SCENARIO_PREFIX}, so apps/e2e can run the adapters' scenario suite against the demo. Tests only.
   * @default false
   */
  readonly scenarioRoutes: boolean;
}

/** Where a demo serves the scenario app's routes when `DEMO_SCENARIO_ROUTES=1`. */
export const SCENARIO_PREFIX = '/__scenarios';

const STORES: readonly StoreKind[] = ['sqlite', 'memory', 'redis', 'memcached', 'postgres', 'mysql'];
const DEVELOPMENT_SECRET = 'cloakroom-demo-development-secret-do-not-deploy';

function text(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = env[name];
  return value === undefined || value === '' ? fallback : value;
}

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = text(env, name, '');
  if (raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`demo: ${name} must be a positive whole number of seconds (got ${JSON.stringify(raw)})`);
  }
  return value;
}

function port(env: NodeJS.ProcessEnv, fallback: number): number {
  const raw = text(env, 'PORT', String(fallback));
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > 65_535)
    throw new Error(`demo: PORT must be 0 to 65535 (got ${JSON.stringify(raw)})`);
  return value;
}

/**
 * `SESSION_SECRET`; without it the demo does not start on a secret everyone can read in this repository
 * (anyone could forge its cookies), unless `DEMO_INSECURE_DEV_SECRET=1` says this is a throwaway run.
 */
function sessionSecret(env: NodeJS.ProcessEnv): string {
  const secret = text(env, 'SESSION_SECRET', '');
  if (secret !== '') return secret;
  if (env.DEMO_INSECURE_DEV_SECRET !== '1') {
    throw new Error(
      'demo: SESSION_SECRET is not set. Set it to a random secret of at least 32 bytes, e.g. ' +
        '`SESSION_SECRET=$(openssl rand -base64 32)`, or set DEMO_INSECURE_DEV_SECRET=1 to run on a ' +
        'published development secret on your own machine (never deployed: anyone can forge its cookies).',
    );
  }
  console.warn(
    'demo: SESSION_SECRET is not set; DEMO_INSECURE_DEV_SECRET=1 uses a published development secret. ' +
      'Anyone can forge its cookies: never deploy it.',
  );
  return DEVELOPMENT_SECRET;
}

const CLUSTER_SCHEME = 'redis+cluster://';

/** `REDIS_CLUSTER_NODES`, else the nodes of a `redis+cluster://` `REDIS_URL`, as `host:port` strings. */
function clusterNodes(env: NodeJS.ProcessEnv): { redisClusterNodes?: string[] } {
  const url = text(env, 'REDIS_URL', '');
  const listed = text(
    env,
    'REDIS_CLUSTER_NODES',
    url.startsWith(CLUSTER_SCHEME) ? url.slice(CLUSTER_SCHEME.length) : '',
  );
  const nodes = listed
    .split(',')
    .map((node) => node.trim())
    .filter((node) => node !== '');
  for (const node of nodes) {
    if (!/^[^\s/@:]+:\d{1,5}$/.test(node)) {
      throw new Error(
        `demo: REDIS_CLUSTER_NODES (or a redis+cluster:// REDIS_URL) lists host:port seed nodes separated by commas (got ${JSON.stringify(node)})`,
      );
    }
  }
  return nodes.length > 0 ? { redisClusterNodes: nodes } : {};
}

/**
 * Reads the demo configuration from the environment: `PORT`, `HOST`, `SESSION_SECRET`, `SESSION_STORE`,
 * `SESSION_SQLITE_FILE`, `REDIS_URL`, `MEMCACHED_URL`, `PG_URL`, `MYSQL_URL`, `SESSION_IDLE_TIMEOUT`,
 * `SESSION_ABSOLUTE_TIMEOUT`, `SESSION_COOKIE_SECURE`, `DEMO_SCENARIO_ROUTES`, `DEMO_INSECURE_DEV_SECRET`.
 * Empty variables count as unset.
 * @param env the environment. @default process.env
 * @param defaultPort the port when `PORT` is unset. @default 3000
 * @throws Error naming the variable when a value is invalid (unknown store, bad number), or when
 *   `SESSION_SECRET` is unset without `DEMO_INSECURE_DEV_SECRET=1`.
 * @example
 * const config = loadConfig(); // SESSION_STORE=redis PORT=3001 node dist/server.js
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, defaultPort = 3000): DemoConfig {
  const store = text(env, 'SESSION_STORE', 'sqlite') as StoreKind;
  if (!STORES.includes(store)) {
    throw new Error(`demo: SESSION_STORE must be one of ${STORES.join(', ')} (got ${JSON.stringify(store)})`);
  }
  const secret = sessionSecret(env);
  const secure = text(env, 'SESSION_COOKIE_SECURE', 'true').toLowerCase();
  return {
    port: port(env, defaultPort),
    host: text(env, 'HOST', '127.0.0.1'),
    secret,
    store,
    sqliteFile: resolve(text(env, 'SESSION_SQLITE_FILE', '.data/sessions.db')),
    redisUrl: text(env, 'REDIS_URL', 'redis://127.0.0.1:6379'),
    ...clusterNodes(env),
    memcachedUrl: text(env, 'MEMCACHED_URL', '127.0.0.1:11211'),
    pgUrl: text(env, 'PG_URL', 'postgres://postgres@127.0.0.1:5432/test'),
    mysqlUrl: text(env, 'MYSQL_URL', 'mysql://root@127.0.0.1:3306/test'),
    idleTimeout: seconds(env, 'SESSION_IDLE_TIMEOUT', 1800),
    absoluteTimeout: seconds(env, 'SESSION_ABSOLUTE_TIMEOUT', 86_400),
    cookieSecure: secure !== 'false' && secure !== '0',
    scenarioRoutes: env.DEMO_SCENARIO_ROUTES === '1',
  };
}
