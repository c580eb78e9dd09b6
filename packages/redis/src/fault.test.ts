import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SessionStoreError } from '@cloakroom/session-core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RedisSessionStore, redisStore } from './redis-store.ts';
import { scripts } from './scripts.ts';
import { connectRedis, recommended } from './testing/clients.ts';
import { sessionKey, writeOf } from './testing/keys.ts';
import { type PrivateRedis, sparePort, startRedis } from './testing/redis-server.ts';

/** The store's bound in these tests; the README's recommended client options answer sooner. */
const BOUND = 1000;
/** Scheduling slack on a loaded 2-core machine. */
const SLACK = 400;

let dir: string;
let port: number;
let server: PrivateRedis;
let client: Redis;
let store: RedisSessionStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloakroom-redis-fault-'));
  port = await sparePort();
  server = await startRedis(port, dir);
  client = await connectRedis(recommended, `redis://127.0.0.1:${port}`);
  store = redisStore({ client, prefix: 'fault:', timeout: BOUND });
});

afterAll(async () => {
  client?.disconnect();
  await server?.kill();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Every store operation, as a thunk. */
function everyOperation(key: string, version: string): [string, () => Promise<unknown>][] {
  return [
    ['get', () => store.get(key)],
    ['create', () => store.create(sessionKey().key, writeOf('x', { userId: 'u1' }))],
    ['set', () => store.set(key, writeOf('x'))],
    ['compareAndSet', () => store.compareAndSet(key, version, writeOf('x'))],
    ['touch', () => store.touch(key, Date.now() + 60_000)],
    ['delete', () => store.delete(key)],
    ['listByUser', () => store.listByUser('u1')],
  ];
}

/** Runs `call` and returns its rejection and how long it took to reject. */
async function rejection(call: () => Promise<unknown>): Promise<{ error: unknown; elapsed: number }> {
  const started = performance.now();
  try {
    await call();
  } catch (error) {
    return { error, elapsed: performance.now() - started };
  }
  throw new Error('expected the call to reject');
}

async function expectAllRejectWithinBound(key: string, version: string): Promise<void> {
  for (const [name, call] of everyOperation(key, version)) {
    const { error, elapsed } = await rejection(call);
    expect(error, name).toBeInstanceOf(SessionStoreError);
    expect((error as SessionStoreError).operation).toBe(name);
    expect(elapsed, name).toBeLessThan(BOUND + SLACK);
  }
}

/** Waits (bounded) until the same store instance answers again. */
async function expectServesAgain(key: string): Promise<void> {
  await vi.waitFor(async () => expect(await store.set(key, writeOf('back'))).toMatch(/^\d+$/), {
    timeout: 10_000,
    interval: 100,
  });
  expect(await store.get(key)).toMatchObject({ data: 'back' });
}

describe('redisStore() when Redis fails', () => {
  it('rejects every operation within the bound while Redis is down, and serves again after a restart', async () => {
    const { key } = sessionKey();
    const version = (await store.create(key, writeOf('before', { userId: 'u1' })))!;

    await server.kill();
    await expectAllRejectWithinBound(key, version);

    // A restarted memory-only server has lost its data and its script cache: the store reloads the
    // scripts by itself (NOSCRIPT) on the connection ioredis re-establishes.
    server = await startRedis(port, dir);
    await expectServesAgain(key);
    expect(await client.script('EXISTS', scripts.write.sha)).toEqual([1]);
  });

  it('rejects within the bound while Redis is too slow to answer, and serves again when it recovers', async () => {
    const { key } = sessionKey();
    const version = (await store.create(key, writeOf('before')))!;
    const pid = server.process.pid!;
    process.kill(pid, 'SIGSTOP');
    try {
      await expectAllRejectWithinBound(key, version);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await expectServesAgain(key);
  });

  it('reloads its scripts when Redis answers NOSCRIPT', async () => {
    const { key } = sessionKey();
    await store.set(key, writeOf('x'));
    await client.script('FLUSH');
    expect(await client.script('EXISTS', scripts.write.sha)).toEqual([0]);
    await store.set(key, writeOf('y'));
    expect(await client.script('EXISTS', scripts.write.sha)).toEqual([1]);
    expect(await store.get(key)).toMatchObject({ data: 'y' });
  });

  it('bounds operations by its own timeout even when the client would queue commands for a long time', async () => {
    // ioredis defaults: offline queue on, 20 reconnection attempts per command, no command timeout.
    const patient = new Redis(port, '127.0.0.1');
    const bounded = redisStore({ client: patient, prefix: 'fault:', timeout: 300 });
    try {
      await bounded.set(sessionKey().key, writeOf('x'));
      const pid = server.process.pid!;
      process.kill(pid, 'SIGSTOP');
      try {
        const { error, elapsed } = await rejection(() => bounded.get(sessionKey().key));
        expect(error).toBeInstanceOf(SessionStoreError);
        expect((error as Error).message).toMatch(/timed out/);
        expect(elapsed).toBeGreaterThanOrEqual(290);
        expect(elapsed).toBeLessThan(300 + SLACK);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
    } finally {
      patient.disconnect();
    }
  });
});
