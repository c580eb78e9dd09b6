import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { SessionStoreError, type SessionWrite } from '@cloakroom/session-core';
import { MemcacheClient } from 'memcache-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MemcachedStore, memcachedStore } from './memcached-store.ts';
import { type PrivateMemcached, serverGets, sparePort, startMemcached } from './test/memcached-server.ts';

function write(data: string): SessionWrite {
  const expiresAt = Date.now() + 60_000;
  return { data, expiresAt, absoluteExpiresAt: expiresAt, userId: null };
}

function keys(count: number): string[] {
  return Array.from(
    { length: count },
    (_, n) => `${randomUUID().replaceAll('-', '')}${String(n).padStart(11, '0')}`,
  );
}

async function elapsed<T>(task: Promise<T>): Promise<{ ms: number; result: PromiseSettledResult<T> }> {
  const started = performance.now();
  const [result] = await Promise.allSettled([task]);
  return { ms: performance.now() - started, result: result! };
}

describe('several servers', () => {
  const prefix = 'multi:';
  let a: PrivateMemcached;
  let b: PrivateMemcached;
  let store: MemcachedStore;

  beforeAll(async () => {
    [a, b] = await Promise.all([startMemcached(), startMemcached()]);
    store = memcachedStore({ servers: [a.address, b.address], prefix, timeout: 500 });
  });
  afterAll(async () => {
    await store?.close();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('spreads keys over both servers, each key on exactly one', async () => {
    const all = keys(40);
    for (const key of all) await store.create(key, write(`data-${key}`));
    const placement = await Promise.all(
      all.map(async (key) => ({
        key,
        onA: (await serverGets(a.address, prefix + key)) !== null,
        onB: (await serverGets(b.address, prefix + key)) !== null,
      })),
    );
    for (const { key, onA, onB } of placement) {
      expect(onA !== onB, key).toBe(true);
      expect(store.serverFor(key)).toBe(onA ? a.address : b.address);
    }
    const onA = placement.filter((entry) => entry.onA).length;
    expect(onA).toBeGreaterThanOrEqual(8);
    expect(onA).toBeLessThanOrEqual(32);
  });

  it('a stopped server fails only its own keys, quickly; restarted, it serves again (empty)', async () => {
    const all = keys(30);
    for (const key of all) await store.set(key, write(key));
    const onB = all.filter((key) => store.serverFor(key) === b.address);
    const onA = all.filter((key) => store.serverFor(key) === a.address);
    expect(onB.length).toBeGreaterThan(0);
    expect(onA.length).toBeGreaterThan(0);

    await b.stop();
    for (const key of onB) {
      const { ms, result } = await elapsed(store.get(key));
      expect(result.status).toBe('rejected');
      const reason = (result as PromiseRejectedResult).reason as unknown;
      expect(reason).toBeInstanceOf(SessionStoreError);
      expect((reason as SessionStoreError).message).toContain(b.address);
      expect(ms).toBeLessThan(500);
      await expect(store.set(key, write('x'))).rejects.toBeInstanceOf(SessionStoreError);
    }
    for (const key of onA) {
      expect((await store.get(key))?.data).toBe(key);
      expect(await store.set(key, write(`${key}!`))).toMatch(/^[1-9][0-9]*$/);
    }

    await b.start();
    for (const key of onB) {
      // A restarted memcached has lost its data: a missing record, never an error.
      expect(await store.get(key)).toBeNull();
      const version = await store.create(key, write('again'));
      expect(await store.get(key)).toMatchObject({ data: 'again', version });
    }
  });
});

describe('a server that accepts connections but never answers', () => {
  let silent: Server;
  let real: PrivateMemcached;
  let silentAddress: string;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    const port = await sparePort();
    silent.listen(port, '127.0.0.1');
    await once(silent, 'listening');
    silentAddress = `127.0.0.1:${port}`;
    real = await startMemcached();
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    silent?.close();
    await real?.stop();
  });

  it('fails its keys after `timeout` ms, the other server keeps working', async () => {
    const store = memcachedStore({ servers: [silentAddress, real.address], prefix: 'silent:', timeout: 300 });
    try {
      const all = keys(20);
      const stuck = all.find((key) => store.serverFor(key) === silentAddress)!;
      const fine = all.find((key) => store.serverFor(key) === real.address)!;
      const { ms, result } = await elapsed(store.get(stuck));
      expect(result.status).toBe('rejected');
      expect(String((result as PromiseRejectedResult).reason)).toMatch(/did not answer get within 300 ms/);
      expect(ms).toBeGreaterThanOrEqual(250);
      expect(ms).toBeLessThan(1500);
      await store.set(fine, write('ok'));
      expect((await store.get(fine))?.data).toBe('ok');
    } finally {
      await store.close();
    }
  });

  it("bounds a client the user built without timeouts by the store's `timeout` too", async () => {
    const client = new MemcacheClient({ server: silentAddress });
    const store = memcachedStore({ clients: [client], timeout: 300 });
    try {
      const { ms, result } = await elapsed(store.set(keys(1)[0]!, write('x')));
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(SessionStoreError);
      expect(ms).toBeLessThan(1500);
    } finally {
      await store.close();
      client.shutdown();
    }
  });
});
