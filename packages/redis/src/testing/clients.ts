/**
 * Test support: clients for the machine's Redis (REDIS_URL) and the test Cluster, and per-run prefixes.
 */
import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';

/** The Redis the single-node tests use. */
export const REDIS_URL: string = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A prefix no other run shares, so tests clean only their own keys. */
export function runPrefix(label: string): string {
  return `cloakroom-test:${label}:${randomBytes(6).toString('hex')}:`;
}

/** The few ioredis options the tests vary. */
export interface ClientOptions {
  commandTimeout?: number;
  maxRetriesPerRequest?: number | null;
  retryStrategy?: (times: number) => number;
  enableOfflineQueue?: boolean;
}

/** The client options the README recommends, so tests run what users are told to run. */
export const recommended: ClientOptions = {
  commandTimeout: 500,
  maxRetriesPerRequest: 1,
  retryStrategy: (times) => Math.min(times * 100, 1000),
};

/** Connects to REDIS_URL, failing with a message that names the server and the variable. */
export async function connectRedis(
  options: ClientOptions = recommended,
  url: string = REDIS_URL,
): Promise<Redis> {
  const client = new Redis(url, { ...options, lazyConnect: true });
  // Failures reach the tests as rejections; this only keeps reconnection noise out of the output.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw new Error(`Redis is unreachable at ${url}: start it, or point REDIS_URL at one`, {
      cause: error,
    });
  }
  return client;
}

/** Connects to the test Cluster the globalSetup started. */
export async function connectCluster(ports: readonly number[]): Promise<Cluster> {
  const cluster = new Cluster(
    ports.map((port) => ({ host: '127.0.0.1', port })),
    {
      redisOptions: { commandTimeout: 500, maxRetriesPerRequest: 1 },
      clusterRetryStrategy: (times) => Math.min(times * 100, 1000),
      lazyConnect: true,
    },
  );
  cluster.on('error', () => undefined);
  await cluster.connect();
  return cluster;
}

/** Deletes every key under `prefix` on one node (SCAN, tests only) and returns how many there were. */
export async function deleteByPrefix(client: Redis, prefix: string): Promise<number> {
  const keys = await scanKeys(client, prefix);
  if (keys.length > 0) await Promise.all(keys.map((key) => client.del(key)));
  return keys.length;
}

/** Lists the keys under `prefix` on one node (SCAN: tests only, never the store). */
export async function scanKeys(client: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/** Lists the keys under `prefix` on every master of a Cluster. */
export async function scanClusterKeys(cluster: Cluster, prefix: string): Promise<string[]> {
  const lists = await Promise.all(cluster.nodes('master').map((node) => scanKeys(node, prefix)));
  return lists.flat();
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
