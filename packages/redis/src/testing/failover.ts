/**
 * Test support: writers that keep going through the store while a test fails its Redis over, and the
 * checks every failover run makes of what they saw. Tests only.
 */
import { SessionStoreError } from '@cloakroom/session-core';
import { expect } from 'vitest';
import type { RedisSessionStore } from '../redis-store.ts';
import { sessionKey, writeOf } from './keys.ts';
import { waitUntil } from './sentinel.ts';

/** How far before the kill a lost write may have been acknowledged: replication on loopback is fast. */
const REPLICATION_WINDOW_MS = 1000;
/** How long after the new primary took over the client may still fail: a reconnection and a retry. */
const RECOVERY_SLACK_MS = 3000;

interface Outcome {
  key: string;
  at: number;
  error?: unknown;
}

/** When the failover began (the kill) and when a new primary had taken over, epoch ms. */
export interface Failover {
  killedAt: number;
  recoveredAt: number;
}

/** What a failover run saw. */
export interface FailoverReport extends Failover {
  acknowledged: number;
  failed: number;
  /** Acknowledged writes that the new primary does not have. */
  lost: number;
}

/**
 * Eight writers write new sessions through `store` (bound to `userOf(key)`); once 500 were acknowledged,
 * `failover()` kills the primary and resolves when a new one has taken over; once 500 more were
 * acknowledged the writers stop. Checks that the last 500 all succeeded, that every failure is a 503
 * `SessionStoreError` between the kill and shortly after the takeover, and that every acknowledged write
 * the new primary lacks was acknowledged just before the kill (asynchronous replication).
 */
export async function writeThroughFailover(
  store: RedisSessionStore,
  userOf: (key: string) => string,
  failover: () => Promise<Failover>,
): Promise<FailoverReport> {
  const outcomes: Outcome[] = [];
  let stop = false;
  const writer = async () => {
    while (!stop) {
      const { key } = sessionKey();
      try {
        await store.set(key, writeOf('x', { userId: userOf(key) }));
        outcomes.push({ key, at: Date.now() });
      } catch (error) {
        outcomes.push({ key, at: Date.now(), error });
        // Back off a little so eight writers do not spin on a dead connection.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  };
  const writers = Array.from({ length: 8 }, writer);
  const acked = () => outcomes.filter((o) => o.error === undefined).length;
  let times: Failover;
  try {
    await waitUntil('500 writes before the kill', async () => acked() >= 500);
    times = await failover();
    const before = acked();
    await waitUntil('500 writes after the failover', async () => acked() >= before + 500);
    expect(
      outcomes.slice(-500).filter((o) => o.error !== undefined),
      'an error after recovery',
    ).toEqual([]);
  } finally {
    stop = true;
    await Promise.all(writers);
  }
  const failures = outcomes.filter((o) => o.error !== undefined);
  for (const failure of failures) {
    expect(failure.error).toBeInstanceOf(SessionStoreError);
    expect(failure.error).toMatchObject({ status: 503 });
    expect(failure.at, 'an error before the kill').toBeGreaterThanOrEqual(times.killedAt);
    expect(failure.at - times.recoveredAt, 'an error long after the takeover').toBeLessThan(
      RECOVERY_SLACK_MS,
    );
  }
  // Every acknowledged write, read back from the new primary.
  const written = outcomes.filter((o) => o.error === undefined);
  const lost: Outcome[] = [];
  for (const outcome of written) if ((await store.get(outcome.key)) === null) lost.push(outcome);
  for (const { at } of lost) expect(times.killedAt - at).toBeLessThan(REPLICATION_WINDOW_MS);
  return { ...times, acknowledged: written.length, failed: failures.length, lost: lost.length };
}
