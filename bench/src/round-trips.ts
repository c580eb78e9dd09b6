/**
 * Store round trips per request, counted through {@link countingStore} around a store. Deterministic: the
 * clock is injected, so the same calls happen on every run (the unit test asserts them; the report
 * prints them).
 */

import { countingStore, type StoreMethod } from '@cloakroom/session-adapter-test/kit';
import { type AnySessionStore, createSessionManager, memoryStore } from '@cloakroom/session-core';

export interface RoundTrips {
  readonly scenario: string;
  /** What the request did. */
  readonly description: string;
  readonly total: number;
  readonly counts: Partial<Record<StoreMethod, number>>;
}

const SECRET = 'round-trip-count-secret-0123456789abcdef';
const IDLE = 3600;
const TOUCH = 300;

/** Runs the four request kinds the issue names (plus the first write) against a counted store. */
export async function measureRoundTrips(
  makeStore: (now: () => number) => AnySessionStore = (now) => memoryStore({ warn: false, now }),
): Promise<RoundTrips[]> {
  let clock = Date.UTC(2026, 0, 1);
  const counted = countingStore(makeStore(() => clock));
  const manager = createSessionManager({
    store: counted,
    secret: SECRET,
    idleTimeout: IDLE,
    touchInterval: TOUCH,
    now: () => clock,
  });
  const results: RoundTrips[] = [];
  const request = async (
    scenario: string,
    description: string,
    cookie: string,
    work: (session: ReturnType<typeof manager.open>['session']) => unknown,
  ): Promise<string | null> => {
    counted.resetCalls();
    const handle = manager.open({ cookie, secure: true });
    await work(handle.session);
    const { setCookie } = await handle.commit({ status: 200 });
    const counts = Object.entries(counted.calls()).filter(([, calls]) => calls > 0);
    results.push({ scenario, description, total: counted.totalCalls(), counts: Object.fromEntries(counts) });
    return setCookie;
  };

  const setCookie = await request('new session, first write', 'no cookie; set a value', '', (session) => {
    session.set('n', 1);
  });
  if (setCookie === null) throw new Error('round trips: the first write set no cookie');
  const cookie = setCookie.split(';', 1)[0]!;

  clock += 1000;
  await request('untouched', 'valid cookie; the handler never reads the session', cookie, () => undefined);
  clock += 1000;
  await request('read', 'valid cookie; read a value', cookie, async (session) => {
    if ((await session.get('n')) !== 1) throw new Error('round trips: the read did not find the session');
  });
  clock += 1000;
  await request('write, existing session', 'valid cookie; increment a value', cookie, (session) =>
    session.update('n', (n) => Number(n ?? 0) + 1),
  );
  clock += (TOUCH + 1) * 1000;
  await request(
    'read, touch interval passed',
    `valid cookie; read a value ${TOUCH + 1} s after the last write (touch interval ${TOUCH} s)`,
    cookie,
    (session) => session.get('n'),
  );
  await manager.close();
  return results;
}
