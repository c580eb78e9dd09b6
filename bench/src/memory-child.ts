// Run by micro.ts as `node --expose-gc memory-child.ts <sessions> <seconds>`: fills a memory store and
// prints one JSON line (bytes per session from the heap, get and set operations per second).
import { randomBytes } from 'node:crypto';
import { memoryStore } from '@cloakroom/session-core';
import { opsPerSecond, PAYLOAD, PAYLOAD_BYTES } from './ops.ts';

const sessions = Number(process.argv[2] ?? 1_000_000);
const seconds = Number(process.argv[3] ?? 2);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('memory-child: run with --expose-gc');

const heap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
// Keys are generated before the baseline so only what the store holds is counted (the keys are shared).
const keys = Array.from({ length: sessions }, () => randomBytes(32).toString('base64url'));
const now = Date.now();
const write = { data: PAYLOAD, expiresAt: now + 3_600_000, absoluteExpiresAt: now + 7_200_000, userId: null };
// Bounded by count only: the default byte bound (a flood guard) would evict most of a million sessions.
const store = memoryStore({ maxEntries: sessions, maxBytes: Number.MAX_SAFE_INTEGER, warn: false });
const before = heap();
// Each record gets its own 300-character data string, as sessions encoded by the codec would.
for (const key of keys) await store.set(key, { ...write, data: randomBytes(225).toString('base64') });
const after = heap();
let i = 0;
const nextKey = (): string => {
  i = (i + 7919) % sessions;
  return keys[i]!;
};
const getOps = await opsPerSecond(() => store.get(nextKey()), seconds, 1);
const setOps = await opsPerSecond(() => store.set(nextKey(), write), seconds, 1);
if (store.size !== sessions)
  throw new Error(`memory-child: ${store.size} records held, expected ${sessions}`);
process.stdout.write(
  `${JSON.stringify({
    sessions,
    payloadBytes: PAYLOAD_BYTES,
    bytesPerSession: (after - before) / sessions,
    getOpsPerSecond: getOps,
    setOpsPerSecond: setOps,
  })}\n`,
);
await store.close();
