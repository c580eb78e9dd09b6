// THREATS.md, Lifecycle: the flood of no-cookie-flood.test.ts at soak size: 100 000 requests without
// cookies against each adapter; zero store calls, zero records, zero cookies.
import { Agent } from 'node:http';
import { countingStore } from '@cloakroom/session-adapter-test';
import { memoryStore } from '@cloakroom/session-core';
import { describe, expect, it } from 'vitest';
import { type AdapterName, appOptions, startApp } from './apps.ts';
import { flood } from './flood.ts';

const SIZES: ReadonlyArray<[AdapterName, number]> = [
  ['express', 100_000],
  ['koa', 100_000],
  ['hono', 100_000],
  ['nest', 100_000],
];

describe.each(SIZES)('%s: a flood without cookies', (adapter, total) => {
  it(`${total} requests make zero store calls, hold zero records, set no cookie`, async () => {
    const memory = memoryStore({ warn: false });
    const store = countingStore(memory);
    const app = await startApp(adapter, appOptions({ store }));
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    try {
      const result = await flood({ port: app.port, agent, total, concurrency: 32 });
      expect(result.statuses.get(200)).toBe(total - result.notFound);
      expect(result.statuses.get(404)).toBe(result.notFound);
      expect(result.setCookies).toBe(0);
      expect(store.totalCalls(), JSON.stringify(store.calls())).toBe(0);
      expect(memory.size).toBe(0);
    } finally {
      agent.destroy();
      await app.close();
    }
  }, 170_000);
});
