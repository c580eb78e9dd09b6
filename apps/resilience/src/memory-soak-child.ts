// Run by memory-store.soak.test.ts in its own Node process with --expose-gc (Node strips the types):
// a million distinct sessions through a real manager into a bounded memory store, in two waves, each
// left to expire and be swept by the store's own timer. Prints one JSON line of measurements.
import { createSessionManager, memoryStore } from '@cloakroom/session-core';

const SESSIONS_PER_WAVE = Number(process.env.SESSIONS_PER_WAVE ?? 500_000);
const MAX_ENTRIES = 20_000;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

let now = Date.now();
const store = memoryStore({ maxEntries: MAX_ENTRIES, sweepInterval: 100, now: () => now, warn: false });
const manager = createSessionManager({
  store,
  secret: 'resilience-memory-soak-secret-0123456789',
  now: () => now,
  idleTimeout: 60,
  absoluteTimeout: 3_600,
  cookie: { secure: false },
});

function heap(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

async function settle(): Promise<number> {
  // No request touches the expired records: the store's sweep timer must reclaim them.
  const deadline = Date.now() + 20_000;
  while (store.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return store.size;
}

const baseline = heap();
const waves: Array<{
  maxSize: number;
  peakHeap: number;
  leftAfterExpiry: number;
  heapAfterExpiry: number;
  ms: number;
}> = [];
for (let wave = 0; wave < 2; wave++) {
  const started = performance.now();
  let maxSize = 0;
  for (let i = 0; i < SESSIONS_PER_WAVE; i++) {
    const handle = manager.open({ cookie: null, secure: false });
    handle.session.set('n', i);
    const { setCookie } = await handle.commit({ status: 200 });
    if (setCookie === null) throw new Error('a session was not created');
    if (store.size > maxSize) maxSize = store.size;
    now += 1; // distinct creation times, all well inside the idle timeout
  }
  const peakHeap = heap();
  now += 120_000; // every session is now past its idle timeout
  const leftAfterExpiry = await settle();
  waves.push({
    maxSize,
    peakHeap,
    leftAfterExpiry,
    heapAfterExpiry: heap(),
    ms: Math.round(performance.now() - started),
  });
}
await manager.close();
await store.close();
console.log(JSON.stringify({ sessionsPerWave: SESSIONS_PER_WAVE, maxEntries: MAX_ENTRIES, baseline, waves }));
