import { type AnySessionStore, memoryStore } from '@cloakroom/session-core';
import { createNextSession } from '@cloakroom/session-next';
import { redisStore } from '@cloakroom/session-redis';
import { Redis } from 'ioredis';

/** `bare` (no session), `memory` or `redis`, read when the server starts (servers/next-*.ts set it). */
export const mode: string = process.env.BENCH_MODE ?? 'bare';

// Next bundles each route on its own, each with its own copy of this module: the store lives on globalThis.
const shared = globalThis as { benchStore?: AnySessionStore };
function store(): AnySessionStore {
  shared.benchStore ??=
    mode === 'redis'
      ? redisStore({
          client: new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'),
          prefix: `${process.env.BENCH_PREFIX ?? 'bench:next:'}cr:`,
        })
      : memoryStore({ maxEntries: 100_000, warn: false });
  return shared.benchStore;
}

export const sessions =
  mode === 'bare'
    ? null
    : createNextSession({
        store: store(),
        secret: process.env.BENCH_SECRET ?? 'bench-secret-not-for-production-0123456789abcdef',
        idleTimeout: 3600,
      });

// The harness reads the verified-cookie cache counters through servers/common.ts's SIGUSR2 answer, which
// sums every manager in this list (one per route bundle here).
if (sessions) {
  const registry = globalThis as { [key: symbol]: unknown };
  const key = Symbol.for('cloakroom.bench.managers');
  registry[key] ??= [];
  (registry[key] as unknown[]).push(sessions.manager);
}

export function text(value: unknown): Response {
  return new Response(String(typeof value === 'number' ? value : 0), {
    headers: { 'content-type': 'text/plain' },
  });
}
