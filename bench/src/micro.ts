/**
 * Store micro-benchmarks: Redis store vs raw ioredis, Kysely store vs raw pg, the memory store at a
 * million sessions (in a child with --expose-gc), and SQL cleanup of a million expired rows.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { SessionWrite } from '@cloakroom/session-core';
import { redisStore } from '@cloakroom/session-redis';
import { Redis } from 'ioredis';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { opsPerSecond, PAYLOAD, PAYLOAD_BYTES } from './ops.ts';
import { median, percentile } from './stats.ts';

// Loaded on first use, so a broken or missing SQL store fails its own benchmarks only.
const sqlStore = (): Promise<typeof import('@cloakroom/session-kysely')> =>
  import('@cloakroom/session-kysely');

export interface OpsComparison {
  readonly operation: string;
  readonly mode: 'sequential' | '64 in flight';
  /** Operations per second, median of the repetitions. */
  readonly ours: number;
  readonly raw: number;
  readonly ratio: number;
}

/** Interleaves the two sides `repeats` times and compares medians. */
async function compare(
  operation: string,
  ours: () => Promise<unknown>,
  raw: () => Promise<unknown>,
  seconds: number,
  repeats: number,
): Promise<OpsComparison[]> {
  const rows: OpsComparison[] = [];
  for (const [mode, inFlight] of [
    ['sequential', 1],
    ['64 in flight', 64],
  ] as const) {
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < repeats; i++) {
      a.push(await opsPerSecond(ours, seconds, inFlight));
      b.push(await opsPerSecond(raw, seconds, inFlight));
    }
    rows.push({ operation, mode, ours: median(a), raw: median(b), ratio: median(a) / median(b) });
  }
  return rows;
}

function write(now: number): SessionWrite {
  return { data: PAYLOAD, expiresAt: now + 3_600_000, absoluteExpiresAt: now + 7_200_000, userId: null };
}

function key(): string {
  return randomBytes(32).toString('base64url');
}

/** Redis store get/set against raw GET/SET (SET with PX, as a TTL'd session needs) on one client. */
export async function redisMicro(options: {
  url: string;
  prefix: string;
  seconds: number;
  repeats: number;
}): Promise<OpsComparison[]> {
  const client = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  try {
    const store = redisStore({ client, prefix: `${options.prefix}store:` });
    const storeKey = key();
    const rawKey = `${options.prefix}raw:${storeKey}`;
    await store.set(storeKey, write(Date.now()));
    await client.set(rawKey, PAYLOAD, 'PX', 3_600_000);
    const get = await compare(
      'get',
      () => store.get(storeKey),
      () => client.get(rawKey),
      options.seconds,
      options.repeats,
    );
    const set = await compare(
      'set',
      () => store.set(storeKey, write(Date.now())),
      () => client.set(rawKey, PAYLOAD, 'PX', 3_600_000),
      options.seconds,
      options.repeats,
    );
    // Issue 15 compares the store's set with raw ioredis running the same script: catch the command
    // the store sends for one set (its EVALSHA, keys and arguments) and replay it with client.call.
    const sent: Array<{ name: string; args: unknown[] }> = [];
    const send = client.sendCommand.bind(client);
    client.sendCommand = ((command: { name: string; args: unknown[] }, ...rest: unknown[]) => {
      sent.push({ name: command.name, args: [...command.args] });
      return (send as (...a: unknown[]) => unknown)(command, ...rest);
    }) as typeof client.sendCommand;
    try {
      await store.set(storeKey, write(Date.now()));
    } finally {
      client.sendCommand = send;
    }
    const script = sent.length === 1 ? sent[0]! : null;
    const sameScript = script
      ? await compare(
          'set (same script)',
          () => store.set(storeKey, write(Date.now())),
          () => client.call(script.name, ...(script.args as Array<string | Buffer | number>)),
          options.seconds,
          options.repeats,
        )
      : [];
    return [...get, ...sameScript, ...set];
  } finally {
    await deleteByPrefix(client, options.prefix);
    await client.quit();
  }
}

/** Deletes every key under a prefix (SCAN, never KEYS). */
export async function deleteByPrefix(client: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await client.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

function postgres(url: string, max: number): Kysely<unknown> {
  return new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max }) }),
  });
}

/** Kysely store get on PostgreSQL against a raw `pg` query of the same row, same pool size. */
export async function kyselyMicro(options: {
  url: string;
  table: string;
  seconds: number;
  repeats: number;
}): Promise<OpsComparison[]> {
  const { createSessionTable, dropSessionTable, kyselyStore } = await sqlStore();
  const db = postgres(options.url, 10);
  const pool = new pg.Pool({ connectionString: options.url, max: 10 });
  try {
    await createSessionTable(db, { table: options.table });
    const store = kyselyStore({ db, table: options.table, cleanup: false });
    const storeKey = key();
    await store.set(storeKey, write(Date.now()));
    const query = `SELECT data, version, expires_at FROM "${options.table}" WHERE id = $1 AND expires_at > $2`;
    const raw = (): Promise<unknown> => pool.query(query, [storeKey, new Date()]);
    return await compare('get', () => store.get(storeKey), raw, options.seconds, options.repeats);
  } finally {
    await dropSessionTable(db, { table: options.table });
    await pool.end();
    await db.destroy();
  }
}

export interface MemoryResult {
  readonly sessions: number;
  readonly payloadBytes: number;
  readonly bytesPerSession: number;
  readonly getOpsPerSecond: number;
  readonly setOpsPerSecond: number;
}

/** The memory store filled with `sessions` records, measured in a child process with --expose-gc. */
export async function memoryMicro(sessions: number, seconds: number): Promise<MemoryResult> {
  const child = fileURLToPath(new URL('./memory-child.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', '--max-old-space-size=4096', child, String(sessions), String(seconds)],
    { maxBuffer: 1 << 20, timeout: 300_000 },
  );
  return JSON.parse(stdout) as MemoryResult;
}

export interface CleanupResult {
  readonly expiredRows: number;
  readonly deleted: number;
  readonly seconds: number;
  readonly liveReads: number;
  /** Live-read latency while cleanup runs, and before it (same store, same rows). */
  readonly p99Ms: number;
  readonly p50Ms: number;
  readonly idleP99Ms: number;
}

/**
 * Generates `rows` expired rows in PostgreSQL (one INSERT ... SELECT generate_series), then times the
 * Kysely store's deleteExpired() while one loop keeps reading live sessions, and reports that loop's p99.
 */
export async function cleanupMicro(options: {
  url: string;
  table: string;
  rows: number;
}): Promise<CleanupResult> {
  const { createSessionTable, dropSessionTable, kyselyStore } = await sqlStore();
  const db = postgres(options.url, 4);
  try {
    await createSessionTable(db, { table: options.table });
    const store = kyselyStore({ db, table: options.table, cleanup: false });
    const live = Array.from({ length: 1000 }, key);
    for (const k of live) await store.set(k, write(Date.now()));
    const pool = new pg.Pool({ connectionString: options.url, max: 1 });
    await pool.query(
      `INSERT INTO "${options.table}" (id, data, version, expires_at, created_at)
       SELECT 'expired-' || i, repeat('x', ${PAYLOAD_BYTES}), 1, now() - interval '1 hour', now() - interval '2 hours'
       FROM generate_series(1, $1::int) AS i`,
      [options.rows],
    );
    await pool.query(`ANALYZE "${options.table}"`);
    await pool.end();
    const readFor = async (until: () => boolean): Promise<number[]> => {
      const latencies: number[] = [];
      let i = 0;
      while (!until()) {
        const started = performance.now();
        const found = await store.get(live[i++ % live.length]!);
        latencies.push(performance.now() - started);
        if (found === null) throw new Error('cleanup bench: a live session was not found');
      }
      return latencies;
    };
    const idleEnd = performance.now() + 1000;
    const idle = await readFor(() => performance.now() > idleEnd);
    let finished = false;
    const started = performance.now();
    const cleanup = store.deleteExpired().finally(() => {
      finished = true;
    });
    const [deleted, during] = await Promise.all([cleanup, readFor(() => finished)]);
    const seconds = (performance.now() - started) / 1000;
    return {
      expiredRows: options.rows,
      deleted,
      seconds,
      liveReads: during.length,
      p99Ms: percentile(during, 99),
      p50Ms: percentile(during, 50),
      idleP99Ms: percentile(idle, 99),
    };
  } finally {
    await dropSessionTable(db, { table: options.table });
    await db.destroy();
  }
}
