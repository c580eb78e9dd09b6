import { randomUUID } from 'node:crypto';
import {
  SessionError,
  SessionStoreError,
  type SessionWrite,
  storeCapabilities,
} from '@cloakroom/session-core';
import { MemcacheClient } from 'memcache-client';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { type MemcachedStore, memcachedStore } from './memcached-store.ts';
import { serverGets, serverTtl } from './test/memcached-server.ts';

const url = inject('memcachedUrl');
const DAY = 24 * 60 * 60 * 1000;

let counter = 0;
/** Every key written, deleted in afterAll: MEMCACHED_URL may be a shared server. */
const written = new Set<string>();
/** A 43-character base64url key, like the hashes core hands to stores. */
function newKey(): string {
  counter += 1;
  const key = `${randomUUID().replaceAll('-', '')}${String(counter).padStart(11, '0')}`;
  written.add(key);
  return key;
}

function write(data: string, ttlMs = 60_000, userId: string | null = null): SessionWrite {
  const now = Date.now();
  return { data, expiresAt: now + ttlMs, absoluteExpiresAt: now + ttlMs, userId };
}

const prefix = `cloakroom-test:${randomUUID()}:`;
let store: MemcachedStore;

beforeAll(() => {
  store = memcachedStore({ servers: url, prefix });
});
afterAll(async () => {
  await Promise.all([...written].map((key) => store.delete(key)));
  await store.close();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('memcachedStore()', () => {
  it('has compare-and-set, get-and-touch and close, no per-user index and no deleteExpired', () => {
    expect(storeCapabilities(store)).toEqual({
      compareAndSet: true,
      getAndTouch: true,
      userIndex: false,
      deleteExpired: false,
      close: true,
    });
  });

  it.each([
    [{ prefix: 'has space:' }, /prefix must be printable ASCII/],
    [{ prefix: 'tab\t' }, /prefix must be printable ASCII/],
    [{ prefix: 'x'.repeat(206) }, /prefix is 206 bytes; at most 205/],
    [{ prefix: 'é:' }, /prefix must be printable ASCII/],
    [{ timeout: 0 }, /timeout must be a positive number/],
    [{ maxItemSize: 10 }, /maxItemSize must be/],
  ])('refuses %o at construction', (bad, message) => {
    const build = () => memcachedStore({ servers: url, ...bad });
    expect(build).toThrow(SessionError);
    expect(build).toThrow(/^@cloakroom\/session-memcached: /);
    expect(build).toThrow(message);
  });

  it('accepts the longest prefix that fits the 250-byte key limit', () => {
    expect(() => memcachedStore({ servers: url, prefix: 'x'.repeat(205) })).not.toThrow();
  });

  it('needs exactly one of servers and clients', () => {
    expect(() => memcachedStore({})).toThrow(/exactly one of `servers`/);
    const client = new MemcacheClient({ server: url });
    expect(() => memcachedStore({ servers: url, clients: [client] })).toThrow(/exactly one of `servers`/);
    client.shutdown();
  });

  it('refuses bad, empty and duplicated server lists', () => {
    expect(() => memcachedStore({ servers: 'localhost' })).toThrow(/"localhost" is not "host:port"/);
    expect(() => memcachedStore({ servers: ' , ' })).toThrow(/no Memcached server given/);
    expect(() => memcachedStore({ servers: ['127.0.0.1:11211', '127.0.0.1:11211'] })).toThrow(/listed twice/);
  });

  it('reads a comma- or space-separated list of servers', () => {
    const several = memcachedStore({ servers: '127.0.0.1:1, 127.0.0.1:2 127.0.0.1:3' });
    expect(several.servers).toEqual(['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3']);
  });

  it('refuses a client that spreads commands over several servers at random', () => {
    const redundant = new MemcacheClient({
      server: { servers: [{ server: '127.0.0.1:1' }, { server: '127.0.0.1:2' }] },
    });
    expect(() => memcachedStore({ clients: [redundant] })).toThrow(/one client per server/);
    const single = new MemcacheClient({ server: { server: '127.0.0.1:1' } });
    expect(memcachedStore({ clients: [single] }).servers).toEqual(['127.0.0.1:1']);
  });
});

describe('store.get() and writes', () => {
  it('uses the server CAS token as the version, and every write changes it', async () => {
    const key = newKey();
    const created = await store.create(key, write('one'));
    const onServer = await serverGets(url, prefix + key);
    expect(created).toBe(onServer?.cas);
    const read = await store.get(key);
    expect(read).toMatchObject({ data: 'one', version: created });

    const replaced = await store.set(key, write('two'));
    expect(replaced).not.toBe(created);
    expect(replaced).toBe((await serverGets(url, prefix + key))?.cas);

    const swapped = await store.compareAndSet(key, replaced, write('three'));
    expect(swapped).toBe((await serverGets(url, prefix + key))?.cas);
    expect(await store.compareAndSet(key, replaced, write('lost'))).toBeNull();
    expect((await store.get(key))?.data).toBe('three');
  });

  it('create never overwrites a live record', async () => {
    const key = newKey();
    expect(await store.create(key, write('first'))).not.toBeNull();
    expect(await store.create(key, write('second'))).toBeNull();
    expect((await store.get(key))?.data).toBe('first');
  });

  it('create replaces a record whose expiry passed while the server still holds it', async () => {
    const key = newKey();
    await store.create(key, write('old', 30_000));
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 31_000);
    expect(await store.get(key)).toBeNull();
    const version = await store.create(key, write('new', 60_000));
    expect(version).not.toBeNull();
    expect(await store.get(key)).toMatchObject({ data: 'new', version });
  });

  it('keeps data byte for byte: newlines, CR LF, "END", multi-byte characters', async () => {
    const key = newKey();
    const data = 'line\r\nEND\r\nVALUE x 0 1\r\n\u{1F600} é \0 end';
    await store.set(key, write(data));
    expect((await store.get(key))?.data).toBe(data);
  });

  it('returns null for a missing key, and once the expiry has passed', async () => {
    expect(await store.get(newKey())).toBeNull();
    const key = newKey();
    const { expiresAt } = write('x', 10_000);
    await store.set(key, { ...write('x'), expiresAt });
    expect((await store.get(key))?.expiresAt).toBe(expiresAt);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(expiresAt);
    expect(await store.get(key)).toBeNull();
  });

  it('stores a record whose expiry already passed as expired at once', async () => {
    const key = newKey();
    await store.set(key, write('gone', -1000));
    expect(await serverTtl(url, prefix + key)).toBeNull();
    expect(await store.get(key)).toBeNull();
  });

  it('compareAndSet with a version that is not a CAS token conflicts without writing', async () => {
    const key = newKey();
    await store.create(key, write('kept'));
    expect(await store.compareAndSet(key, 'unknown', write('x'))).toBeNull();
    expect(await store.compareAndSet(key, '0', write('x'))).toBeNull();
    expect((await store.get(key))?.data).toBe('kept');
  });

  it('rejects a key with a space or control character before it reaches the server', async () => {
    await expect(store.get('bad key')).rejects.toBeInstanceOf(SessionStoreError);
    await expect(store.set('bad\nkey', write('x'))).rejects.toThrow(/invalid key/);
  });
});

describe('store.touch()', () => {
  it('moves the expiry on the server without rewriting data or changing the version', async () => {
    const key = newKey();
    const version = await store.create(key, write('payload', 60_000));
    const later = Date.now() + 600_000;
    await store.touch(key, later);
    expect(await store.get(key)).toEqual({ data: 'payload', expiresAt: later, version });
    expect((await serverGets(url, prefix + key))?.cas).toBe(version);
    const ttl = await serverTtl(url, prefix + key);
    expect(ttl).toBeGreaterThanOrEqual(598);
    expect(ttl).toBeLessThanOrEqual(600);
  });

  it('a later write wins over an earlier touch', async () => {
    const key = newKey();
    const version = await store.create(key, write('a', 60_000));
    await store.touch(key, Date.now() + 600_000);
    const shorter = write('b', 120_000);
    const next = await store.compareAndSet(key, version!, shorter);
    expect(await store.get(key)).toEqual({ data: 'b', expiresAt: shorter.expiresAt, version: next });
  });

  it('does nothing for a missing key', async () => {
    const key = newKey();
    await store.touch(key, Date.now() + 60_000);
    expect(await store.get(key)).toBeNull();
    expect(await serverTtl(url, `${prefix}${key}~t`)).toBeNull();
  });

  it('does not bring back a record whose expiry has passed', async () => {
    const key = newKey();
    await store.create(key, write('old', 30_000));
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 31_000);
    await store.touch(key, Date.now() + 60_000);
    vi.useRealTimers();
    expect(await serverTtl(url, prefix + key)).toBeNull();
  });
});

/**
 * A store on its own client whose commands are recorded: `trips` counts round trips, a command sent
 * while none is in flight starting a new one (commands sent together share it).
 */
function countingStore(): {
  store: MemcachedStore;
  client: MemcacheClient;
  trips: () => number;
  commands: string[];
} {
  const client = new MemcacheClient({ server: url, cmdTimeout: 1000 });
  const commands: string[] = [];
  let inFlight = 0;
  let trips = 0;
  const xsend = client.xsend.bind(client);
  client.xsend = (data: unknown, options: unknown) => {
    commands.push(typeof data === 'string' ? data.split(' ')[0]! : 'command');
    if (inFlight++ === 0) trips++;
    return (xsend as (data: unknown, options: unknown) => Promise<unknown>)(data, options).finally(() => {
      inFlight--;
    });
  };
  return {
    store: memcachedStore({ clients: [client], prefix }),
    client,
    trips: () => trips,
    commands,
  };
}

describe('store.getAndTouch()', () => {
  const due = () => ({
    now: Date.now(),
    ifExpiresBy: Date.now() + 50 * 60_000,
    expiresAt: Date.now() + 3_600_000,
  });

  it('reads in one round trip; a due touch adds one (touch and the companion sent together), not two', async () => {
    const { store: counted, client, trips, commands } = countingStore();
    try {
      const key = newKey();
      const version = await store.create(key, write('payload', 60_000));
      const touch = due();
      let before = trips();
      const sent = commands.length;
      expect(await counted.getAndTouch(key, touch)).toEqual({
        data: 'payload',
        expiresAt: touch.expiresAt,
        version,
        touched: true,
      });
      expect(trips() - before).toBe(2);
      // gets, then touch and set (storage and touch commands are sent as functions of the socket).
      expect(commands.length - sent).toBe(3);
      // What get() answers agrees, and the server's TTL moved with it.
      expect(await store.get(key)).toEqual({ data: 'payload', expiresAt: touch.expiresAt, version });
      expect(await serverTtl(url, prefix + key)).toBeGreaterThanOrEqual(3598);
      before = trips();
      expect(await counted.getAndTouch(key, due())).toMatchObject({
        expiresAt: touch.expiresAt,
        touched: false,
      });
      expect(trips() - before).toBe(1);
      // get then touch, as core does without getAndTouch: three.
      before = trips();
      await counted.get(key);
      await counted.touch(key, Date.now() + 3_700_000);
      expect(trips() - before).toBe(3);
    } finally {
      client.shutdown();
    }
  });

  it('a later write wins over a due touch read before it', async () => {
    const key = newKey();
    const version = await store.create(key, write('a', 60_000));
    const touched = await store.getAndTouch(key, due());
    const shorter = write('b', 120_000);
    const next = await store.compareAndSet(key, touched!.version, shorter);
    expect(touched!.version).toBe(version);
    expect(await store.get(key)).toEqual({ data: 'b', expiresAt: shorter.expiresAt, version: next });
  });

  it('does not bring back a record whose expiry has passed, nor create one', async () => {
    const key = newKey();
    await store.create(key, write('old', 30_000));
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 31_000);
    expect(await store.getAndTouch(key, due())).toBeNull();
    vi.useRealTimers();
    expect(await serverTtl(url, `${prefix}${key}~t`)).toBeNull();
    const missing = newKey();
    expect(await store.getAndTouch(missing, due())).toBeNull();
    expect(await serverTtl(url, prefix + missing)).toBeNull();
  });
});

describe('store.delete()', () => {
  it('removes the record and its touch companion; a missing key is fine', async () => {
    const key = newKey();
    await store.create(key, write('x'));
    await store.touch(key, Date.now() + 120_000);
    await store.delete(key);
    expect(await store.get(key)).toBeNull();
    expect(await serverTtl(url, prefix + key)).toBeNull();
    expect(await serverTtl(url, `${prefix}${key}~t`)).toBeNull();
    await expect(store.delete(key)).resolves.toBeUndefined();
  });
});

describe('the 30-day rule', () => {
  it('stores a session expiring in 45 days with that expiry, not as a past Unix time', async () => {
    const key = newKey();
    const expiresAt = Date.now() + 45 * DAY;
    await store.create(key, { data: 'long', expiresAt, absoluteExpiresAt: expiresAt, userId: null });
    const ttl = await serverTtl(url, prefix + key);
    expect(ttl).toBeGreaterThan(45 * 86_400 - 5);
    // memcached converts absolute times with a start-up clock that is a few seconds off by design.
    expect(ttl).toBeLessThanOrEqual(45 * 86_400 + 5);
    expect((await store.get(key))?.expiresAt).toBe(expiresAt);
  });

  it('touches to 45 days the same way', async () => {
    const key = newKey();
    await store.create(key, write('x', 60_000));
    const expiresAt = Date.now() + 45 * DAY;
    await store.touch(key, expiresAt);
    const ttl = await serverTtl(url, prefix + key);
    expect(ttl).toBeGreaterThan(45 * 86_400 - 5);
    // memcached converts absolute times with a start-up clock that is a few seconds off by design.
    expect(ttl).toBeLessThanOrEqual(45 * 86_400 + 5);
    expect((await store.get(key))?.expiresAt).toBe(expiresAt);
  });

  it('sends 29 days as seconds from now', async () => {
    const key = newKey();
    await store.set(key, write('x', 29 * DAY));
    const ttl = await serverTtl(url, prefix + key);
    expect(ttl).toBeGreaterThan(29 * 86_400 - 5);
    expect(ttl).toBeLessThanOrEqual(29 * 86_400);
  });
});

describe('item size limit', () => {
  it('refuses a record over maxItemSize with a clear error and writes nothing', async () => {
    const key = newKey();
    await store.set(key, write('before'));
    const big = 'x'.repeat(1024 * 1024);
    const attempt = store.set(key, write(big));
    await expect(attempt).rejects.toBeInstanceOf(SessionStoreError);
    await expect(attempt).rejects.toThrow(/over the Memcached item size limit/);
    expect((await store.get(key))?.data).toBe('before');
  });

  it('maps the server refusing a large item to the same error', async () => {
    // The store is told the limit is 4 MiB, the server keeps its default 1 MiB.
    const lax = memcachedStore({ servers: url, prefix, maxItemSize: 4 * 1024 * 1024 });
    try {
      const key = newKey();
      const attempt = lax.create(key, write('y'.repeat(2 * 1024 * 1024)));
      await expect(attempt).rejects.toThrow(/over the Memcached item size limit/);
      expect(await lax.get(key)).toBeNull();
      // The connection is still usable afterwards.
      await lax.set(key, write('small'));
      expect((await lax.get(key))?.data).toBe('small');
    } finally {
      await lax.close();
    }
  });

  it('stores the largest record the limit allows, whole', async () => {
    const key = newKey();
    // 1 MiB less the 96 bytes of item overhead the store counts, the key and the 30-byte envelope header.
    const largest = 1024 * 1024 - 96 - (prefix.length + key.length) - 30;
    await expect(store.set(key, write('z'.repeat(largest + 1)))).rejects.toThrow(/item size limit/);
    const data = 'z'.repeat(largest);
    await store.set(key, write(data));
    expect((await store.get(key))?.data).toBe(data);
  });
});

describe('store.close()', () => {
  it('leaves clients the user passed in open', async () => {
    const client = new MemcacheClient({ server: url });
    const borrowed = memcachedStore({ clients: [client], prefix });
    const key = newKey();
    await borrowed.set(key, write('mine'));
    await borrowed.close();
    await expect(borrowed.get(key)).rejects.toThrow(/the store is closed/);
    const still = await client.get<string>(prefix + key);
    expect(still?.value).toContain('mine');
    client.shutdown();
  });
});
