// THREATS.md, Lifecycle: "a flood of requests without cookies writes nothing and grows nothing". 1 000
// requests per adapter here (100 000 in the soak suite, no-cookie-flood.soak.test.ts), against a counting
// store around the real memory store: not one store call, not one record, not one cookie.
import { Agent } from 'node:http';
import { countingStore } from '@cloakroom/session-adapter-test';
import { memoryStore } from '@cloakroom/session-core';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, appOptions, startApp } from './apps.ts';
import { flood } from './flood.ts';

describe.each(ADAPTERS)('%s: requests without cookies', (adapter) => {
  it('1 000 requests (reads, a destroy of nothing, unknown routes) make zero store calls and set no cookie', async () => {
    const memory = memoryStore({ warn: false });
    const store = countingStore(memory);
    const app = await startApp(adapter, appOptions({ store }));
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    try {
      const result = await flood({ port: app.port, agent, total: 1_000, concurrency: 16 });
      expect(result.statuses).toEqual(
        new Map([
          [200, 1_000 - result.notFound],
          [404, result.notFound],
        ]),
      );
      expect(result.setCookies, 'no Set-Cookie').toBe(0);
      expect(store.totalCalls(), JSON.stringify(store.calls())).toBe(0);
      expect(memory.size).toBe(0);
    } finally {
      agent.destroy();
      await app.close();
    }
  }, 30_000);
});
