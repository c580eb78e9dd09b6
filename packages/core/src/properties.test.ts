// Property tests: hostile cookie headers, signatures and stored data, with fast-check.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromRecord, jsonCodec, newRecord, toRecord } from './codec.ts';
import { nodeCryptoProvider } from './crypto-node.ts';
import { createSessionManager } from './factory.ts';
import { memoryStore } from './memory-store.ts';
import type { AnySessionStore } from './store.ts';

const SECRET = 'a-property-secret-that-is-long-enough!!';

/** A real memory store that records every key it is asked for. */
function watched() {
  const memory = memoryStore({ warn: false });
  const keys: string[] = [];
  const store: AnySessionStore = {
    get: (key) => {
      keys.push(key);
      return memory.get(key);
    },
    create: (key, write) => memory.create(key, write),
    set: (key, write) => memory.set(key, write),
    touch: (key, expiresAt) => memory.touch(key, expiresAt),
    delete: (key) => memory.delete(key),
    compareAndSet: (key, version, write) => memory.compareAndSet(key, version, write),
  };
  return { memory, store, keys };
}

const names = fc.constantFrom(
  'sid',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  '%73id',
  'SID',
  ' sid',
  'sid ',
);
const cookiePair = fc.tuple(names, fc.string({ maxLength: 120 })).map(([name, value]) => `${name}=${value}`);
const hostileHeader = fc.oneof(
  fc.string({ maxLength: 2000 }),
  fc.string({ unit: 'binary', maxLength: 500 }),
  fc.array(cookiePair, { maxLength: 50 }).map((pairs) => pairs.join('; ')),
  fc.array(cookiePair, { minLength: 1000, maxLength: 3000 }).map((pairs) => pairs.join(';')),
  fc.nat({ max: 100_000 }).map((n) => `sid=${'A'.repeat(n)}`),
);

describe('cookie headers (property)', () => {
  it('any Cookie header yields either a verified session or none, never an exception or a store lookup', async () => {
    const { store, keys } = watched();
    const manager = createSessionManager({ store, secret: SECRET, cookie: { name: 'sid' } });
    await fc.assert(
      fc.asyncProperty(hostileHeader, async (header) => {
        const handle = manager.open({ cookie: header, secure: true });
        expect(await handle.session.exists()).toBe(false);
        expect(await handle.session.get('a')).toBeUndefined();
        const result = await handle.commit({ status: 200 });
        expect(result.setCookie).toBeNull();
      }),
      { numRuns: 300 },
    );
    expect(keys).toEqual([]);
  });

  it('a signed cookie round-trips, and any single-character change fails verification', async () => {
    const { store, keys } = watched();
    const manager = createSessionManager({ store, secret: SECRET, cookie: { name: 'sid' } });
    const handle = manager.open({ cookie: null });
    handle.session.set('a', 1);
    const cookie = (await handle.commit()).setCookie!.split(';')[0]!;
    const value = cookie.slice(4);
    expect(await manager.open({ cookie, secure: true }).session.get('a')).toBe(1);
    keys.length = 0;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=%';
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: value.length - 1 }),
        fc.constantFrom(...alphabet),
        async (index, char) => {
          fc.pre(value[index] !== char);
          const forged = `sid=${value.slice(0, index)}${char}${value.slice(index + 1)}`;
          expect(await manager.open({ cookie: forged, secure: true }).session.exists()).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
    expect(keys).toEqual([]);
  });
});

describe('codec (property)', () => {
  it('round-trips every JSON value under any key, without touching a prototype', () => {
    const keys = fc.oneof(
      fc.string(),
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'save', 'toString'),
    );
    fc.assert(
      fc.property(fc.dictionary(keys, fc.jsonValue()), (data) => {
        const record = newRecord(1);
        for (const [key, value] of Object.entries(data)) record.data.set(key, value);
        const decoded = toRecord(jsonCodec.decode(jsonCodec.encode(fromRecord(record))));
        expect(decoded).not.toBeNull();
        // JSON itself normalizes some values (-0 becomes 0): compare with what JSON can carry.
        const expected = new Map(
          Array.from(record.data, ([key, value]) => [key, JSON.parse(JSON.stringify(value))]),
        );
        expect(decoded!.data).toEqual(expected);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(Object.getPrototypeOf(Object.fromEntries(decoded!.data))).toBe(Object.prototype);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects any stored text that is not a well-formed envelope instead of throwing', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (text) => {
          let parsed: unknown;
          try {
            parsed = jsonCodec.decode(text);
          } catch {
            return;
          }
          const record = toRecord(parsed);
          if (record !== null) expect(typeof record.createdAt).toBe('number');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('hashes ids one way: the store key never contains the id', async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[A-Za-z0-9_-]{43}$/), async (id) => {
        const key = await nodeCryptoProvider.sha256(id);
        expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(key).not.toBe(id);
        expect(key.includes(id.slice(0, 8))).toBe(false);
      }),
      { numRuns: 100 },
    );
  });
});
