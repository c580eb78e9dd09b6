// Shared by every variant server: where to listen, the secret, and the Cloakroom stores.
// Each server is its own process, started (and pinned to a core) by the harness in ../src/run.ts.

import { randomBytes } from 'node:crypto';
import type { Server } from 'node:net';
import {
  type AnySessionStore,
  type AppSessionData,
  createSessionManager,
  memoryStore,
  type SessionData,
  type SessionManager,
  sealedCookies,
} from '@cloakroom/session-core';

/** At least 32 bytes, as every library here asks; never a real secret. */
export const SECRET: string = process.env.BENCH_SECRET ?? 'bench-secret-not-for-production-0123456789abcdef';
/**
 * The secret of Cloakroom's sealed-cookie variants: sealed mode refuses every secret published in this
 * repository, {@link SECRET}'s fallback included, so a server started by hand gets a random one.
 */
export const SEALED_SECRET: string = process.env.BENCH_SECRET || randomBytes(32).toString('base64url');
export const PORT: number = Number(process.env.PORT ?? 0);
export const REDIS_URL: string = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const PG_URL: string = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Every Redis key a server writes starts with it; the harness deletes them afterwards. */
export const PREFIX: string = process.env.BENCH_PREFIX ?? `bench:${process.pid}:`;
/** The PostgreSQL table of the Cloakroom Kysely variant; the harness drops it afterwards. */
export const PG_TABLE: string = process.env.BENCH_PG_TABLE ?? `bench_sessions_${process.pid}`;
/** Idle timeout for every library, in seconds (long enough that nothing expires during a run). */
export const IDLE_SECONDS = 3600;

/** Tells the harness the port, once the server listens. */
export function announce(server: Server): void {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('bench server: no TCP address');
  process.stdout.write(`ready ${address.port}\n`);
}

const closers: Array<() => Promise<unknown>> = [];

/** Registers something to close on SIGTERM, before the process exits. */
export function onShutdown(close: () => Promise<unknown>): void {
  closers.push(close);
}

process.on('SIGTERM', () => {
  Promise.allSettled(closers.map((close) => close())).finally(() => process.exit(0));
});

interface CacheCounters {
  readonly verifiedCookieCacheStats: { readonly hits: number; readonly misses: number };
}

/**
 * The session managers whose verified-cookie cache the harness asks about. On globalThis, so a
 * bundled copy of a server's code (servers/next-app) registers into the same list.
 */
const registry = globalThis as { [key: symbol]: unknown };
const registryKey = Symbol.for('cloakroom.bench.managers');
registry[registryKey] ??= [];
const managers = registry[registryKey] as CacheCounters[];

/** Lets the harness read this manager's verified-cookie cache counters (see reportCacheStats). */
export function reportCacheStats(manager: CacheCounters): void {
  managers.push(manager);
}

// The harness sends SIGUSR2 around each measurement; the answer is one `stats {json}` line, summed over
// every registered manager (Next.js builds one per route bundle).
process.on('SIGUSR2', () => {
  let hits = 0;
  let misses = 0;
  for (const manager of managers) {
    hits += manager.verifiedCookieCacheStats.hits;
    misses += manager.verifiedCookieCacheStats.misses;
  }
  process.stdout.write(`stats ${JSON.stringify({ hits, misses, managers: managers.length })}\n`);
});

/** Where a Cloakroom variant keeps its sessions: a store, or sealed into the cookie (issue 18). */
export type CloakroomKind = 'memory' | 'redis' | 'postgres' | 'sealed';

/**
 * A Cloakroom session manager on the store a variant asks for, with the options every variant shares,
 * registered for the harness's cache counters.
 */
export async function cloakroomManager<Data extends SessionData = AppSessionData>(
  kind: CloakroomKind,
): Promise<SessionManager<Data>> {
  const manager = createSessionManager<Data>(
    kind === 'sealed'
      ? { store: sealedCookies(), secret: SEALED_SECRET, idleTimeout: IDLE_SECONDS }
      : { store: await cloakroomStore(kind), secret: SECRET, idleTimeout: IDLE_SECONDS },
  );
  reportCacheStats(manager);
  return manager;
}

/** The Cloakroom store a variant asks for, connected and ready. */
export async function cloakroomStore(kind: 'memory' | 'redis' | 'postgres'): Promise<AnySessionStore> {
  if (kind === 'memory') return memoryStore({ maxEntries: 100_000, warn: false });
  if (kind === 'redis') {
    const { Redis } = await import('ioredis');
    const { redisStore } = await import('@cloakroom/session-redis');
    const client = new Redis(REDIS_URL, { lazyConnect: true });
    await client.connect();
    onShutdown(() => client.quit());
    return redisStore({ client, prefix: `${PREFIX}cr:` });
  }
  const { Kysely, PostgresDialect } = await import('kysely');
  const { default: pg } = await import('pg');
  const { createSessionTable, kyselyStore } = await import('@cloakroom/session-kysely');
  const db = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: PG_URL, max: 16 }) }),
  });
  await createSessionTable(db, { table: PG_TABLE });
  onShutdown(() => db.destroy());
  return kyselyStore({ db, table: PG_TABLE, cleanup: false });
}

/** The counter as a response body. */
export function text(value: unknown): string {
  return String(typeof value === 'number' ? value : 0);
}
