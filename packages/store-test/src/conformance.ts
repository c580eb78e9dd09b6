import {
  type AnySessionStore,
  type CompareAndSetStore,
  createSessionManager,
  type ExpiredDeletionStore,
  type GetAndTouchStore,
  type SessionManager,
  type StoredSession,
  storeCapabilities,
  type UserIndexStore,
} from '@cloakroom/session-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { largePayload, randomStoreKey, randomUserId, sessionWrite, UNICODE_PAYLOADS } from './fixtures.ts';

/**
 * The optional capabilities a store declares. Every field but `getAndTouch` is required (it defaults to
 * false, so a store declared before it existed still declares everything): a capability is either there
 * and tested, or declared absent and asserted absent (the method must not exist, so the session
 * manager never believes in it); nothing is skipped silently.
 */
export interface ConformanceCapabilities {
  /** `compareAndSet(key, version, write)` is implemented and atomic. */
  readonly compareAndSet: boolean;
  /** `listByUser(userId)` is implemented. */
  readonly userIndex: boolean;
  /**
   * `deleteExpired()`:
   * - `true`: the method exists and removes expired records, returning how many (stores without
   *   native TTLs, such as SQL tables);
   * - `'native'`: the backend expires records by itself; the method exists and returns a count
   *   (normally 0);
   * - `false`: the method does not exist.
   */
  readonly deleteExpired: boolean | 'native';
  /**
   * `getAndTouch(key, touch)` is implemented: a read that moves a due expiry in the same operation.
   * @default false: the method must not exist
   */
  readonly getAndTouch?: boolean;
}

/**
 * Options of {@link describeStoreConformance}.
 * @typeParam S - the store type, so `cleanup` and `backendExpiry` see the store's own API.
 */
export interface ConformanceOptions<S extends AnySessionStore = AnySessionStore> {
  /** Names the outer `describe` block, such as `'redis'` or `'kysely (postgres)'`. */
  readonly name: string;
  /**
   * Builds the store under test, once, in `beforeAll` (30 s allowed, for connecting and
   * migrating). Isolate it from other runs (a per-run key prefix or table) and turn off any
   * background expiry sweep of its own, so `deleteExpired()` finds the expired records the suite
   * leaves for it.
   */
  readonly createStore: () => S | Promise<S>;
  /**
   * Runs once in `afterAll`, after the suite has deleted the records it wrote: close what
   * `createStore` opened, drop a per-run table.
   * @default nothing
   */
  readonly cleanup?: (store: S) => void | Promise<void>;
  /** The optional capabilities the store has; see {@link ConformanceCapabilities}. */
  readonly capabilities: ConformanceCapabilities;
  /**
   * Reads the expiry the backend itself holds for a key, epoch milliseconds (from Redis `PTTL`, an
   * expiry column…), or `null` when the backend holds no record under that key. When given, the suite
   * checks that writes and touches reach the backend's own expiry, and that the backend really drops
   * records (after a delete, after a real expiry, after `deleteExpired()`). Stores that round to whole
   * seconds are fine: expiries are compared within 2 s.
   * @default none: only what `get()` reports is checked
   */
  readonly backendExpiry?: (store: S, key: string) => number | null | Promise<number | null>;
}

/** How far a reported expiry may be from the one written (whole-second rounding, round trips). */
const EXPIRY_TOLERANCE = 2_000;
/** The one real expiry: records live this long… */
const SHORT_LIFE = 1_000;
/** …and are checked this long after they were written. */
const EXPIRY_CHECK = 1_500;
const TEST_TIMEOUT = 15_000;
const SETUP_TIMEOUT = 30_000;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Registers the conformance suite for one session store with vitest: one call per store, from the
 * store's own test file. It checks every promise of the store contract in `@cloakroom/session-core`
 * (`get`, insert-only `create`, `set`, `touch`, `delete`, and the optional `getAndTouch`, `compareAndSet`,
 * `listByUser` and `deleteExpired`), with describe blocks named after the methods.
 *
 * It writes only under fresh random keys and user ids, so runs in parallel against one backend never
 * collide, and deletes every key it wrote before `cleanup`. It waits for real once, about 1.5 s, to see
 * a record expire (fake clocks cannot move a server's clock); keep fake timers off around it.
 *
 * @throws Error at collection time when `options` are malformed (no `createStore`, a capability not
 *   declared).
 * @example
 * // redis-store.test.ts
 * import { describeStoreConformance } from '@cloakroom/session-store-test';
 * import { Redis } from 'ioredis';
 * import { redisStore } from './redis-store.ts';
 *
 * const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
 * const prefix = `test:${crypto.randomUUID()}:`; // this run's own keys
 * describeStoreConformance({
 *   name: 'redis',
 *   createStore: () => redisStore({ client, prefix }),
 *   cleanup: async () => { await client.quit(); },
 *   capabilities: { compareAndSet: true, userIndex: true, deleteExpired: 'native' },
 *   backendExpiry: async (_store, key) => {
 *     const ttl = await client.pttl(`${prefix}${key}`);
 *     return ttl < 0 ? null : Date.now() + ttl;
 *   },
 * });
 */
export function describeStoreConformance<S extends AnySessionStore>(options: ConformanceOptions<S>): void {
  validate(options);
  const { capabilities } = options;

  let store: S | undefined;
  const written = new Set<string>();
  /** A fresh key, remembered so afterAll can delete it. */
  const newKey = (): string => {
    const key = randomStoreKey();
    written.add(key);
    return key;
  };
  const current = (): S => {
    if (store === undefined) throw new Error(`${options.name}: createStore() did not produce a store`);
    return store;
  };
  const backendExpiry = options.backendExpiry;
  const readBackend = backendExpiry && ((key: string) => Promise.resolve(backendExpiry(current(), key)));

  /** Asserts what get() reports, and what the backend holds when backendExpiry is given. */
  const expectRecord = async (key: string, data: string, expiresAt: number): Promise<StoredSession> => {
    const record = await current().get(key);
    expect(record, `get() of a live record`).not.toBeNull();
    expect(record?.data).toBe(data);
    expect(typeof record?.version).toBe('string');
    expect(record?.version).not.toBe('');
    expect(Math.abs((record?.expiresAt ?? 0) - expiresAt)).toBeLessThanOrEqual(EXPIRY_TOLERANCE);
    if (readBackend) {
      const held = await readBackend(key);
      expect(held, 'backendExpiry() of a live record').not.toBeNull();
      expect(Math.abs((held ?? 0) - expiresAt)).toBeLessThanOrEqual(EXPIRY_TOLERANCE);
    }
    return record!;
  };
  const expectGone = async (key: string): Promise<void> => {
    expect(await current().get(key)).toBeNull();
    if (readBackend) expect(await readBackend(key), 'backendExpiry() of a removed record').toBeNull();
  };

  // The one real expiry: records written in beforeAll with a one-second life, read once it has passed.
  const short = {
    user: randomUserId(),
    writtenAt: 0,
    get: '',
    touch: '',
    getAndTouch: '',
    compareAndSet: '',
    listByUser: '',
    deleteExpired: '',
    compareAndSetVersion: '',
    live: '',
    liveData: 'still alive',
  };
  const afterRealExpiry = async (): Promise<void> => {
    if (vi.isFakeTimers()) {
      throw new Error('describeStoreConformance waits for a real expiry: turn fake timers off around it.');
    }
    const wait = short.writtenAt + EXPIRY_CHECK - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  };

  describe(`${options.name}: session store conformance`, () => {
    beforeAll(async () => {
      store = await options.createStore();
      short.writtenAt = Date.now();
      const expiresAt = short.writtenAt + SHORT_LIFE;
      short.get = newKey();
      short.touch = newKey();
      short.getAndTouch = newKey();
      short.compareAndSet = newKey();
      short.listByUser = newKey();
      short.deleteExpired = newKey();
      short.live = newKey();
      const versions = await Promise.all([
        ...[short.get, short.touch, short.compareAndSet, short.listByUser, short.getAndTouch].map((key) =>
          current().set(key, sessionWrite('short-lived', expiresAt, short.user)),
        ),
        current().set(short.live, sessionWrite(short.liveData, Date.now() + HOUR, short.user)),
        // Bound to no user, so no listByUser() that tidies as it reads reaches it before deleteExpired().
        current().set(short.deleteExpired, sessionWrite('short-lived', expiresAt)),
      ]);
      short.compareAndSetVersion = versions[2]!;
    }, SETUP_TIMEOUT);

    afterAll(async () => {
      if (store === undefined) return;
      // Leave nothing behind in a shared backend. Failures here were already reported by the tests.
      await Promise.allSettled([...written].map((key) => current().delete(key)));
      await options.cleanup?.(store);
    }, SETUP_TIMEOUT);

    describe('storeCapabilities()', () => {
      it('detects exactly the declared capabilities', () => {
        expect(storeCapabilities(current())).toMatchObject({
          compareAndSet: capabilities.compareAndSet,
          userIndex: capabilities.userIndex,
          deleteExpired: capabilities.deleteExpired !== false,
          getAndTouch: capabilities.getAndTouch === true,
        });
      });

      it('has every required method', () => {
        for (const method of ['get', 'create', 'set', 'touch', 'delete'] as const) {
          expect(typeof current()[method], method).toBe('function');
        }
      });
    });

    describe('store.get()', () => {
      it('resolves null for a key that was never written', async () => {
        expect(await current().get(randomStoreKey())).toBeNull();
      });

      it('returns the data, the expiry and a version', async () => {
        const key = newKey();
        const expiresAt = Date.now() + 10 * MINUTE;
        const version = await current().set(key, sessionWrite('{"cart":[1,2,3]}', expiresAt));
        const record = await expectRecord(key, '{"cart":[1,2,3]}', expiresAt);
        expect(record.version).toBe(version);
      });

      it.each(UNICODE_PAYLOADS.map((payload, index) => [index, payload] as const))(
        'hands back opaque payload %i exactly as written',
        async (_index, payload) => {
          const key = newKey();
          const expiresAt = Date.now() + 10 * MINUTE;
          await current().set(key, sessionWrite(payload, expiresAt));
          expect((await current().get(key))?.data).toBe(payload);
        },
        TEST_TIMEOUT,
      );

      it(
        'hands back a 100 KiB payload exactly as written',
        async () => {
          const key = newKey();
          const payload = largePayload();
          expect(new TextEncoder().encode(payload).length).toBeGreaterThanOrEqual(100 * 1024);
          await current().set(key, sessionWrite(payload, Date.now() + 10 * MINUTE));
          const record = await current().get(key);
          expect(record?.data.length).toBe(payload.length);
          expect(record?.data === payload, 'the 100 KiB payload comes back unchanged').toBe(true);
        },
        TEST_TIMEOUT,
      );

      it(
        'keeps a record whose expiry is more than 30 days away',
        async () => {
          // Memcached reads a relative TTL over 30 days as a Unix time, long past: the record would vanish.
          const key = newKey();
          const expiresAt = Date.now() + 45 * DAY;
          await current().set(key, sessionWrite('long-lived', expiresAt, null, expiresAt));
          await expectRecord(key, 'long-lived', expiresAt);
        },
        TEST_TIMEOUT,
      );

      it(
        `resolves null once the expiry has passed (a real wait of about ${EXPIRY_CHECK} ms)`,
        async () => {
          await afterRealExpiry();
          expect(await current().get(short.get)).toBeNull();
          expect((await current().get(short.live))?.data).toBe(short.liveData);
          if (readBackend && capabilities.deleteExpired !== true) {
            // No deleteExpired() to run: the backend itself must have dropped the record.
            expect(await readBackend(short.get), 'backendExpiry() of an expired record').toBeNull();
          }
        },
        TEST_TIMEOUT,
      );
    });

    describe('store.set()', () => {
      it('inserts when the key is free and returns the version', async () => {
        const key = newKey();
        const expiresAt = Date.now() + 10 * MINUTE;
        const version = await current().set(key, sessionWrite('first', expiresAt));
        expect(typeof version).toBe('string');
        expect((await expectRecord(key, 'first', expiresAt)).version).toBe(version);
      });

      it('overwrites data and expiry of an existing record (upsert) with a new version', async () => {
        const key = newKey();
        const first = await current().set(key, sessionWrite('first', Date.now() + 10 * MINUTE));
        const expiresAt = Date.now() + 50 * MINUTE;
        const second = await current().set(key, sessionWrite('second', expiresAt));
        expect(second).not.toBe(first);
        expect((await expectRecord(key, 'second', expiresAt)).version).toBe(second);
      });

      it('changes the version on every write', async () => {
        const key = newKey();
        const expiresAt = Date.now() + 10 * MINUTE;
        const versions = [await current().create(key, sessionWrite('0', expiresAt))];
        for (let i = 1; i <= 5; i++) {
          versions.push(await current().set(key, sessionWrite(String(i), expiresAt)));
          expect((await current().get(key))?.version).toBe(versions.at(-1));
        }
        if (capabilities.compareAndSet) {
          const cas = current() as S & CompareAndSetStore;
          for (let i = 6; i <= 8; i++) {
            versions.push(await cas.compareAndSet(key, versions.at(-1)!, sessionWrite(String(i), expiresAt)));
          }
        }
        expect(versions.every((version) => typeof version === 'string')).toBe(true);
        expect(new Set(versions).size).toBe(versions.length);
      });

      it(
        'lands 100 parallel writes of distinct keys',
        async () => {
          const keys = Array.from({ length: 100 }, newKey);
          const expiresAt = Date.now() + 10 * MINUTE;
          await Promise.all(
            keys.map((key, i) => current().set(key, sessionWrite(`parallel ${i}`, expiresAt))),
          );
          const records = await Promise.all(keys.map((key) => current().get(key)));
          expect(records.map((record) => record?.data)).toEqual(keys.map((_, i) => `parallel ${i}`));
        },
        TEST_TIMEOUT,
      );
    });

    describe('store.create()', () => {
      it('inserts when the key is free and returns the version', async () => {
        const key = newKey();
        const expiresAt = Date.now() + 10 * MINUTE;
        const version = await current().create(key, sessionWrite('created', expiresAt));
        expect(typeof version).toBe('string');
        expect((await expectRecord(key, 'created', expiresAt)).version).toBe(version);
      });

      it('returns null for a key that exists and overwrites nothing (insert-only)', async () => {
        const key = newKey();
        const user = randomUserId();
        const other = randomUserId();
        const expiresAt = Date.now() + 10 * MINUTE;
        const version = await current().create(key, sessionWrite('original', expiresAt, user));
        expect(
          await current().create(key, sessionWrite('intruder', Date.now() + 50 * MINUTE, other)),
        ).toBeNull();
        expect((await expectRecord(key, 'original', expiresAt)).version).toBe(version);
        if (capabilities.userIndex) {
          const index = current() as S & UserIndexStore;
          expect((await index.listByUser(other)).map((row) => row.key)).toEqual([]);
          expect((await index.listByUser(user)).map((row) => row.key)).toEqual([key]);
        }
      });

      it('returns null for a key written by set()', async () => {
        const key = newKey();
        await current().set(key, sessionWrite('by set', Date.now() + 10 * MINUTE));
        expect(await current().create(key, sessionWrite('by create', Date.now() + 10 * MINUTE))).toBeNull();
        expect((await current().get(key))?.data).toBe('by set');
      });

      it('takes a key again after it was deleted', async () => {
        const key = newKey();
        await current().create(key, sessionWrite('first', Date.now() + 10 * MINUTE));
        await current().delete(key);
        expect(typeof (await current().create(key, sessionWrite('again', Date.now() + 10 * MINUTE)))).toBe(
          'string',
        );
        expect((await current().get(key))?.data).toBe('again');
      });

      it(
        'lets exactly one of 20 racing creates of one key win',
        async () => {
          const key = newKey();
          const expiresAt = Date.now() + 10 * MINUTE;
          const results = await Promise.all(
            Array.from({ length: 20 }, (_, i) =>
              current().create(key, sessionWrite(`racer ${i}`, expiresAt)),
            ),
          );
          const winners = results.flatMap((version, i) => (version === null ? [] : [i]));
          expect(winners).toHaveLength(1);
          const record = await current().get(key);
          expect(record?.data).toBe(`racer ${winners[0]}`);
          expect(record?.version).toBe(results[winners[0]!]);
        },
        TEST_TIMEOUT,
      );

      it(
        'lands 100 parallel creates of distinct keys',
        async () => {
          const keys = Array.from({ length: 100 }, newKey);
          const expiresAt = Date.now() + 10 * MINUTE;
          const versions = await Promise.all(
            keys.map((key, i) => current().create(key, sessionWrite(`created ${i}`, expiresAt))),
          );
          expect(versions.filter((version) => typeof version === 'string')).toHaveLength(100);
          const records = await Promise.all(keys.map((key) => current().get(key)));
          expect(records.map((record) => record?.data)).toEqual(keys.map((_, i) => `created ${i}`));
        },
        TEST_TIMEOUT,
      );
    });

    describe('store.touch()', () => {
      it('moves the expiry and leaves the data alone', async () => {
        const key = newKey();
        const user = randomUserId();
        await current().set(key, sessionWrite('touched', Date.now() + 10 * MINUTE, user));
        const expiresAt = Date.now() + 60 * MINUTE;
        // touch says whether a live record was there: core refreshes a cookie only on `true`.
        expect(await current().touch(key, expiresAt)).toBe(true);
        await expectRecord(key, 'touched', expiresAt);
        if (capabilities.userIndex) {
          const rows = await (current() as S & UserIndexStore).listByUser(user);
          expect(rows.map((row) => [row.key, row.data])).toEqual([[key, 'touched']]);
          expect(Math.abs((rows[0]?.expiresAt ?? 0) - expiresAt)).toBeLessThanOrEqual(EXPIRY_TOLERANCE);
        }
        if (capabilities.compareAndSet) {
          // Whether touch changed the version or not, the version get() reports is the one that works.
          const reported = (await current().get(key))!.version;
          const cas = current() as S & CompareAndSetStore;
          expect(
            await cas.compareAndSet(key, reported, sessionWrite('after touch', expiresAt)),
          ).not.toBeNull();
        }
      });

      it('resolves false for a missing key and creates nothing', async () => {
        const key = newKey();
        // `false`, not nothing: core must know the record is gone, or it re-sends the cookie of a
        // session that a sign-in rotated or a sign-out destroyed meanwhile.
        expect(await current().touch(key, Date.now() + 10 * MINUTE)).toBe(false);
        await expectGone(key);
      });

      it('resolves false for a deleted record', async () => {
        const key = newKey();
        await current().set(key, sessionWrite('doomed', Date.now() + 10 * MINUTE));
        await current().delete(key);
        expect(await current().touch(key, Date.now() + 10 * MINUTE)).toBe(false);
        await expectGone(key);
      });

      it(
        'does not bring an expired record back',
        async () => {
          await afterRealExpiry();
          await current().touch(short.touch, Date.now() + HOUR);
          expect(await current().get(short.touch)).toBeNull();
        },
        TEST_TIMEOUT,
      );
    });

    describe('store.getAndTouch()', () => {
      if (capabilities.getAndTouch !== true) {
        it('is absent, as declared', () => {
          expect(typeof current().getAndTouch).toBe('undefined');
        });
        return;
      }
      const gat = (): S & GetAndTouchStore => current() as S & GetAndTouchStore;
      /** Due when the stored expiry is at most 50 minutes away; the touch moves it an hour out. */
      const touchIfDue = () => ({
        now: Date.now(),
        ifExpiresBy: Date.now() + 50 * MINUTE,
        expiresAt: Date.now() + HOUR,
      });

      it('is present, as declared', () => {
        expect(typeof current().getAndTouch).toBe('function');
      });

      it('moves a due expiry, keeps the data and answers touched: true with the new expiry', async () => {
        const key = newKey();
        const user = randomUserId();
        await current().set(key, sessionWrite('due', Date.now() + 10 * MINUTE, user));
        const touch = touchIfDue();
        const read = await gat().getAndTouch(key, touch);
        expect(read?.touched).toBe(true);
        expect(read?.data).toBe('due');
        expect(Math.abs((read?.expiresAt ?? 0) - touch.expiresAt)).toBeLessThanOrEqual(EXPIRY_TOLERANCE);
        // The version it answers is the one get() reports (a touch may change it or not).
        const stored = await expectRecord(key, 'due', touch.expiresAt);
        expect(read?.version).toBe(stored.version);
        if (capabilities.userIndex) {
          const rows = await (current() as S & UserIndexStore).listByUser(user);
          expect(rows.map((row) => [row.key, row.data])).toEqual([[key, 'due']]);
          expect(Math.abs((rows[0]?.expiresAt ?? 0) - touch.expiresAt)).toBeLessThanOrEqual(EXPIRY_TOLERANCE);
        }
        if (capabilities.compareAndSet) {
          const cas = current() as S & CompareAndSetStore;
          expect(
            await cas.compareAndSet(key, read!.version, sessionWrite('after', touch.expiresAt)),
          ).not.toBeNull();
        }
      });

      it('leaves an expiry that is not due alone and answers touched: false, like get()', async () => {
        const key = newKey();
        const expiresAt = Date.now() + 55 * MINUTE;
        const version = await current().set(key, sessionWrite('not due', expiresAt));
        const read = await gat().getAndTouch(key, touchIfDue());
        expect(read).toMatchObject({ data: 'not due', version, touched: false });
        expect(Math.abs((read?.expiresAt ?? 0) - expiresAt)).toBeLessThanOrEqual(EXPIRY_TOLERANCE);
        await expectRecord(key, 'not due', expiresAt);
      });

      it('never moves an expiry earlier, even when due', async () => {
        const key = newKey();
        const expiresAt = Date.now() + 40 * MINUTE;
        await current().set(key, sessionWrite('later only', expiresAt));
        const read = await gat().getAndTouch(key, {
          now: Date.now(),
          ifExpiresBy: Date.now() + 50 * MINUTE,
          expiresAt: Date.now() + 20 * MINUTE,
        });
        expect(read).toMatchObject({ data: 'later only', touched: false });
        await expectRecord(key, 'later only', expiresAt);
      });

      it("never touches a record the caller's clock says has expired, and answers it as get does", async () => {
        // The backend still holds it (its own clock is behind the caller's, as with skew or a test clock).
        const key = newKey();
        const expiresAt = Date.now() + 10 * MINUTE;
        await current().set(key, sessionWrite('expired for the caller', expiresAt));
        const read = await gat().getAndTouch(key, {
          now: expiresAt,
          ifExpiresBy: expiresAt + 50 * MINUTE,
          expiresAt: expiresAt + HOUR,
        });
        if (read !== null) expect(read).toMatchObject({ data: 'expired for the caller', touched: false });
        await expectRecord(key, 'expired for the caller', expiresAt);
      });

      it('answers null for a missing key and creates nothing', async () => {
        const key = newKey();
        expect(await gat().getAndTouch(key, touchIfDue())).toBeNull();
        await expectGone(key);
      });

      it('answers null for a deleted record and does not bring it back', async () => {
        const key = newKey();
        await current().set(key, sessionWrite('doomed', Date.now() + 10 * MINUTE));
        await current().delete(key);
        expect(await gat().getAndTouch(key, touchIfDue())).toBeNull();
        await expectGone(key);
      });

      it(
        'answers null for an expired record and does not bring it back',
        async () => {
          await afterRealExpiry();
          expect(await gat().getAndTouch(short.getAndTouch, touchIfDue())).toBeNull();
          expect(await current().get(short.getAndTouch)).toBeNull();
        },
        TEST_TIMEOUT,
      );
    });

    describe('store.delete()', () => {
      it('removes the record', async () => {
        const key = newKey();
        await current().set(key, sessionWrite('doomed', Date.now() + 10 * MINUTE));
        await current().delete(key);
        await expectGone(key);
      });

      it('is idempotent: a missing key is not an error', async () => {
        const key = newKey();
        await current().set(key, sessionWrite('doomed', Date.now() + 10 * MINUTE));
        await current().delete(key);
        await expect(current().delete(key)).resolves.toBeUndefined();
        await expect(current().delete(randomStoreKey())).resolves.toBeUndefined();
        await expectGone(key);
      });

      it('removes only the record under its key', async () => {
        const doomed = newKey();
        const kept = newKey();
        const expiresAt = Date.now() + 10 * MINUTE;
        await current().set(doomed, sessionWrite('doomed', expiresAt));
        await current().set(kept, sessionWrite('kept', expiresAt));
        await current().delete(doomed);
        await expectRecord(kept, 'kept', expiresAt);
      });
    });

    describe('store.compareAndSet()', () => {
      if (!capabilities.compareAndSet) {
        it('is absent, as declared', () => {
          expect(typeof current().compareAndSet).toBe('undefined');
        });
        return;
      }
      const cas = (): S & CompareAndSetStore => current() as S & CompareAndSetStore;

      it('is present, as declared', () => {
        expect(typeof current().compareAndSet).toBe('function');
      });

      it('writes when the version matches and returns a new version', async () => {
        const key = newKey();
        const version = await current().set(key, sessionWrite('before', Date.now() + 10 * MINUTE));
        const expiresAt = Date.now() + 50 * MINUTE;
        const next = await cas().compareAndSet(key, version, sessionWrite('after', expiresAt));
        expect(typeof next).toBe('string');
        expect(next).not.toBe(version);
        expect((await expectRecord(key, 'after', expiresAt)).version).toBe(next);
      });

      it('returns null for a stale version and leaves the record untouched', async () => {
        const key = newKey();
        const user = randomUserId();
        const other = randomUserId();
        const stale = await current().set(key, sessionWrite('v1', Date.now() + 10 * MINUTE, user));
        const expiresAt = Date.now() + 20 * MINUTE;
        const fresh = await cas().compareAndSet(key, stale, sessionWrite('v2', expiresAt, user));
        expect(fresh).not.toBeNull();
        expect(
          await cas().compareAndSet(key, stale, sessionWrite('v3', Date.now() + HOUR, other)),
        ).toBeNull();
        expect((await expectRecord(key, 'v2', expiresAt)).version).toBe(fresh);
        if (capabilities.userIndex) {
          expect((await (current() as S & UserIndexStore).listByUser(other)).map((row) => row.key)).toEqual(
            [],
          );
        }
      });

      it('returns null for a version the store never issued', async () => {
        const key = newKey();
        await current().set(key, sessionWrite('kept', Date.now() + 10 * MINUTE));
        expect(
          await cas().compareAndSet(key, 'not-a-version', sessionWrite('lost', Date.now() + MINUTE)),
        ).toBeNull();
        expect((await current().get(key))?.data).toBe('kept');
      });

      it('returns null for a missing key and creates nothing', async () => {
        const key = newKey();
        const other = newKey();
        const version = await current().set(other, sessionWrite('elsewhere', Date.now() + 10 * MINUTE));
        expect(
          await cas().compareAndSet(key, version, sessionWrite('ghost', Date.now() + 10 * MINUTE)),
        ).toBeNull();
        await expectGone(key);
      });

      it('returns null for a deleted record and does not bring it back', async () => {
        const key = newKey();
        const version = await current().set(key, sessionWrite('alive', Date.now() + 10 * MINUTE));
        await current().delete(key);
        expect(
          await cas().compareAndSet(key, version, sessionWrite('zombie', Date.now() + 10 * MINUTE)),
        ).toBeNull();
        await expectGone(key);
      });

      it(
        'returns null for an expired record and does not bring it back',
        async () => {
          await afterRealExpiry();
          const write = sessionWrite('zombie', Date.now() + HOUR);
          expect(
            await cas().compareAndSet(short.compareAndSet, short.compareAndSetVersion, write),
          ).toBeNull();
          expect(await current().get(short.compareAndSet)).toBeNull();
        },
        TEST_TIMEOUT,
      );

      it(
        'lets exactly one of 50 racing writes on one version win',
        async () => {
          const key = newKey();
          const base = await current().set(key, sessionWrite('base', Date.now() + 10 * MINUTE));
          const expiresAt = Date.now() + 20 * MINUTE;
          const results = await Promise.all(
            Array.from({ length: 50 }, (_, i) =>
              cas().compareAndSet(key, base, sessionWrite(`racer ${i}`, expiresAt)),
            ),
          );
          const winners = results.flatMap((version, i) => (version === null ? [] : [i]));
          expect(winners).toHaveLength(1);
          const record = await expectRecord(key, `racer ${winners[0]}`, expiresAt);
          expect(record.version).toBe(results[winners[0]!]);
        },
        TEST_TIMEOUT,
      );
    });

    describe('store.listByUser()', () => {
      if (!capabilities.userIndex) {
        it('is absent, as declared', () => {
          expect(typeof current().listByUser).toBe('undefined');
        });
        return;
      }
      const index = (): S & UserIndexStore => current() as S & UserIndexStore;
      const keysOf = async (userId: string): Promise<string[]> =>
        (await index().listByUser(userId)).map((row) => row.key).sort();

      it('is present, as declared', () => {
        expect(typeof current().listByUser).toBe('function');
      });

      it('resolves an empty list for a user without sessions', async () => {
        expect(await index().listByUser(randomUserId())).toEqual([]);
      });

      it('lists each of the user’s sessions with its key, data, expiry and version', async () => {
        const user = randomUserId();
        const [a, b] = [newKey(), newKey()];
        const expiresAt = Date.now() + 10 * MINUTE;
        const versions = new Map([
          [a, await current().set(a, sessionWrite('session a', expiresAt, user))],
          [b, await current().create(b, sessionWrite('session b', expiresAt + MINUTE, user))],
        ]);
        const rows = await index().listByUser(user);
        expect(rows.map((row) => row.key).sort()).toEqual([a, b].sort());
        for (const row of rows) {
          expect(row.data).toBe(row.key === a ? 'session a' : 'session b');
          expect(row.version).toBe(versions.get(row.key));
          expect(
            Math.abs(row.expiresAt - (row.key === a ? expiresAt : expiresAt + MINUTE)),
          ).toBeLessThanOrEqual(EXPIRY_TOLERANCE);
        }
      });

      it('keeps different users apart and leaves out sessions without a user', async () => {
        const [alice, bob] = [randomUserId(), randomUserId()];
        const [a1, a2, b1, anonymous] = [newKey(), newKey(), newKey(), newKey()];
        const expiresAt = Date.now() + 10 * MINUTE;
        await Promise.all([
          current().set(a1, sessionWrite('a1', expiresAt, alice)),
          current().set(a2, sessionWrite('a2', expiresAt, alice)),
          current().set(b1, sessionWrite('b1', expiresAt, bob)),
          current().set(anonymous, sessionWrite('anonymous', expiresAt)),
        ]);
        expect(await keysOf(alice)).toEqual([a1, a2].sort());
        expect(await keysOf(bob)).toEqual([b1]);
      });

      it('treats user ids as opaque strings', async () => {
        const [email, lookalike] = [randomUserId(), randomUserId()].map(
          (id) => `${id}:42/Zoë+tag@example.com %_*`,
        ) as [string, string];
        const [a, b] = [newKey(), newKey()];
        const expiresAt = Date.now() + 10 * MINUTE;
        await current().set(a, sessionWrite('a', expiresAt, email));
        await current().set(b, sessionWrite('b', expiresAt, lookalike));
        expect(await keysOf(email)).toEqual([a]);
        expect(await keysOf(lookalike)).toEqual([b]);
        // Wildcards in an id match nothing: SQL LIKE or Redis SCAN patterns built from ids would.
        expect(await keysOf(`${email.slice(0, -4)}%`)).toEqual([]);
        expect(await keysOf('*')).toEqual([]);
      });

      it('follows a session to its new user on set()', async () => {
        const [alice, bob] = [randomUserId(), randomUserId()];
        const [moved, stays] = [newKey(), newKey()];
        const expiresAt = Date.now() + 10 * MINUTE;
        await current().set(moved, sessionWrite('moved', expiresAt, alice));
        await current().set(stays, sessionWrite('stays', expiresAt, alice));
        await current().set(moved, sessionWrite('moved', expiresAt, bob));
        expect(await keysOf(alice)).toEqual([stays]);
        expect(await keysOf(bob)).toEqual([moved]);
        await current().set(moved, sessionWrite('signed out', expiresAt, null));
        expect(await keysOf(bob)).toEqual([]);
      });

      if (capabilities.compareAndSet) {
        it('follows a session to its new user on compareAndSet()', async () => {
          const [alice, bob] = [randomUserId(), randomUserId()];
          const key = newKey();
          const expiresAt = Date.now() + 10 * MINUTE;
          const version = await current().set(key, sessionWrite('anonymous', expiresAt));
          const signedIn = await (current() as S & CompareAndSetStore).compareAndSet(
            key,
            version,
            sessionWrite('alice', expiresAt, alice),
          );
          expect(await keysOf(alice)).toEqual([key]);
          await (current() as S & CompareAndSetStore).compareAndSet(
            key,
            signedIn!,
            sessionWrite('bob', expiresAt, bob),
          );
          expect(await keysOf(alice)).toEqual([]);
          expect(await keysOf(bob)).toEqual([key]);
        });
      }

      it('forgets a deleted session', async () => {
        const user = randomUserId();
        const [doomed, kept] = [newKey(), newKey()];
        const expiresAt = Date.now() + 10 * MINUTE;
        await current().set(doomed, sessionWrite('doomed', expiresAt, user));
        await current().set(kept, sessionWrite('kept', expiresAt, user));
        await current().delete(doomed);
        expect(await keysOf(user)).toEqual([kept]);
      });

      it(
        'lists live sessions only',
        async () => {
          await afterRealExpiry();
          const rows = await index().listByUser(short.user);
          const keys = rows.map((row) => row.key);
          expect(keys).toContain(short.live);
          for (const key of [short.get, short.touch, short.compareAndSet, short.listByUser]) {
            expect(keys).not.toContain(key);
          }
        },
        TEST_TIMEOUT,
      );
    });

    describe('store.deleteExpired()', () => {
      if (capabilities.deleteExpired === false) {
        it('is absent, as declared', () => {
          expect(typeof current().deleteExpired).toBe('undefined');
        });
        return;
      }
      const sweeper = (): S & ExpiredDeletionStore => current() as S & ExpiredDeletionStore;

      it('is present, as declared', () => {
        expect(typeof current().deleteExpired).toBe('function');
      });

      if (capabilities.deleteExpired === 'native') {
        it('resolves a count (the backend expires records by itself)', async () => {
          const count = await sweeper().deleteExpired();
          expect(Number.isInteger(count)).toBe(true);
          expect(count).toBeGreaterThanOrEqual(0);
        });
        return;
      }

      it(
        'removes expired records, counts them, and keeps live ones',
        async () => {
          await afterRealExpiry();
          const key = newKey();
          const expiresAt = Date.now() + 10 * MINUTE;
          await current().set(key, sessionWrite('live', expiresAt));
          const count = await sweeper().deleteExpired();
          // At least the record no test has read since it expired; other runs may share the backend.
          expect(count).toBeGreaterThanOrEqual(1);
          expect(Number.isInteger(count)).toBe(true);
          if (readBackend) expect(await readBackend(short.deleteExpired)).toBeNull();
          await expectRecord(key, 'live', expiresAt);
          expect((await current().get(short.live))?.data).toBe(short.liveData);
          expect(await current().get(short.deleteExpired)).toBeNull();
        },
        TEST_TIMEOUT,
      );
    });

    // The promises core keeps on top of the contract, run here so every store proves them with its own
    // backend: a regenerate never revives a session destroyed meanwhile (THREATS.md, Lifecycle).
    describe('core on this store: a session with a lifetime of its own (remember me)', () => {
      it('stores the expiry of its own idle timeout, beyond 30 days, and keeps it through regenerate()', async () => {
        // The manager on a store that notes the key and expiry of each session it writes.
        const writes: Array<{ key: string; expiresAt: number }> = [];
        const noting = new Proxy(current(), {
          get(target, property) {
            const value = Reflect.get(target, property, target) as unknown;
            if (typeof value !== 'function') return value;
            if (property !== 'create' && property !== 'set' && property !== 'compareAndSet') {
              return value.bind(target);
            }
            return (key: string, ...rest: unknown[]) => {
              const write = rest.at(-1) as { expiresAt: number };
              written.add(key);
              writes.push({ key, expiresAt: write.expiresAt });
              return (value as (...args: unknown[]) => unknown).call(target, key, ...rest);
            };
          },
        });
        const manager = createSessionManager({
          store: noting,
          secret: 'cloakroom-store-test/conformance/not-a-real-secret',
          idleTimeout: 3600,
          absoluteTimeout: 86_400,
        });
        type Remembering = { setLifetime(lifetime: { idleTimeout: number; absoluteTimeout: number }): void };
        const first = manager.open({ cookie: null, secure: true });
        first.session.set('device', 'laptop');
        (first.session as unknown as Remembering).setLifetime({
          idleTimeout: 45 * 86_400,
          absoluteTimeout: 90 * 86_400,
        });
        const started = Date.now();
        const set = (await first.commit({ status: 200 })).setCookie!;
        expect(set).toContain(`Max-Age=${45 * 86_400}`);
        const created = writes.at(-1)!;
        expect(Math.abs(created.expiresAt - (started + 45 * DAY))).toBeLessThanOrEqual(EXPIRY_TOLERANCE);
        // What core wrote is what the store keeps (Memcached reads a TTL over 30 days as a date).
        const stored = await current().get(created.key);
        expect(stored, 'the remembered session is stored').not.toBeNull();
        expect(Math.abs(stored!.expiresAt - created.expiresAt)).toBeLessThanOrEqual(EXPIRY_TOLERANCE);
        if (readBackend) {
          expect(Math.abs(((await readBackend(created.key)) ?? 0) - created.expiresAt)).toBeLessThanOrEqual(
            EXPIRY_TOLERANCE,
          );
        }
        // A read on the store's own path (getAndTouch when it has it) finds it, not due for a touch.
        const cookie = set.split(';')[0]!;
        const read = manager.open({ cookie, secure: true, canSetCookie: true });
        expect(await read.session.get('device')).toBe('laptop');
        expect((await read.commit({ status: 200 })).setCookie).toBeNull();
        // Sign-in rotates the id; the new record keeps the lifetime, the old one is gone.
        const rotate = manager.open({ cookie, secure: true });
        rotate.session.regenerate();
        const rotated = (await rotate.commit({ status: 200 })).setCookie!;
        expect(rotated).toContain(`Max-Age=${45 * 86_400}`);
        const moved = writes.at(-1)!;
        expect(moved.key).not.toBe(created.key);
        expect(Math.abs(moved.expiresAt - (Date.now() + 45 * DAY))).toBeLessThanOrEqual(EXPIRY_TOLERANCE);
        expect(await current().get(created.key)).toBeNull();
        expect((await current().get(moved.key))?.expiresAt).toBeGreaterThan(Date.now() + 44 * DAY);
      });
    });

    describe('core on this store: regenerate() after a destroy elsewhere', () => {
      const secret = 'cloakroom-store-test/conformance/not-a-real-secret';
      const scenarios = capabilities.userIndex
        ? (['destroy()', 'revokeOtherSessions()', 'destroyUserSessions()'] as const)
        : (['destroy()'] as const);
      for (const how of scenarios) {
        it(`after ${how}, creates nothing and sends only the clearing cookie`, async () => {
          const errors: string[] = [];
          // Two managers on one store: the requests of two processes.
          const [one, two] = [0, 1].map(() =>
            createSessionManager({ store: current(), secret, onError: (e) => errors.push(e.code) }),
          ) as [SessionManager, SessionManager];
          const user = randomUserId();
          const start = async (): Promise<string> => {
            const handle = one.open({ cookie: null, secure: true });
            handle.session.setUser(user);
            return (await handle.commit({ status: 200 })).setCookie!.split(';')[0]!;
          };
          const [cookie, other] = [await start(), await start()];
          // Request B loads the session; then another request ends it; then B signs in again.
          const b = two.open({ cookie, secure: true });
          expect(await b.session.getUser()).toBe(user);
          const a = one.open({ cookie: how === 'revokeOtherSessions()' ? other : cookie, secure: true });
          if (how === 'destroy()') a.session.destroy();
          if (how === 'revokeOtherSessions()') await a.session.revokeOtherSessions();
          await a.commit({ status: 200 });
          if (how === 'destroyUserSessions()') await one.destroyUserSessions(user);
          b.session.regenerate();
          b.session.set('late', true);
          const result = await b.commit({ status: 200 });
          expect(result.setCookie, 'only the clearing cookie').toMatch(/=;.*Max-Age=0/);
          expect(errors).toContain('SESSION_WRITE_DROPPED');
          const again = one.open({ cookie, secure: true });
          expect(await again.session.exists(), 'the old id stays dead').toBe(false);
          if (capabilities.userIndex) {
            const left = await one.listUserSessions(user);
            expect(left, 'no session was created for the user').toHaveLength(
              how === 'destroyUserSessions()' ? 0 : 1,
            );
            await one.destroyUserSessions(user);
          } else {
            const survivor = one.open({ cookie: other, secure: true });
            survivor.session.destroy();
            await survivor.commit({ status: 200 });
          }
        });
      }
    });
  });
}

function validate<S extends AnySessionStore>(options: ConformanceOptions<S>): void {
  const prefix = '@cloakroom/session-store-test: describeStoreConformance';
  if (typeof options?.name !== 'string' || options.name === '') {
    throw new Error(`${prefix}({ name }) must name the store, such as 'redis'.`);
  }
  if (typeof options.createStore !== 'function') {
    throw new Error(`${prefix}({ createStore }) must be a function that returns the store under test.`);
  }
  const capabilities = options.capabilities as Partial<ConformanceCapabilities> | undefined;
  for (const capability of ['compareAndSet', 'userIndex'] as const) {
    if (typeof capabilities?.[capability] !== 'boolean') {
      throw new Error(`${prefix}({ capabilities: { ${capability} } }) must be declared true or false.`);
    }
  }
  if (capabilities?.getAndTouch !== undefined && typeof capabilities.getAndTouch !== 'boolean') {
    throw new Error(`${prefix}({ capabilities: { getAndTouch } }) must be true, false or left out (false).`);
  }
  const deleteExpired = capabilities?.deleteExpired;
  if (deleteExpired !== true && deleteExpired !== false && deleteExpired !== 'native') {
    throw new Error(
      `${prefix}({ capabilities: { deleteExpired } }) must be declared true, false or 'native'.`,
    );
  }
}
