// Shared by every variant server: where to listen, the secret, and the Cloakroom stores.
// Each server is its own process, started (and pinned to a core) by the harness in ../src/run.ts.
import type { Server } from 'node:net';
import { type AnySessionStore, memoryStore } from '@cloakroom/session-core';

/** At least 32 bytes, as every library here asks; never a real secret. */
export const SECRET: string = process.env.BENCH_SECRET ?? 'bench-secret-not-for-production-0123456789abcdef';
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
