import 'reflect-metadata';
import { SessionModule } from '@cloakroom/session-nest';
import { NestFactory } from '@nestjs/core';
import { type DemoStore, loadConfig } from 'demo-kit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppModule } from './app.module.ts';
import { DEMO_STORE } from './demo-store.module.ts';

const config = loadConfig({
  SESSION_STORE: 'memory',
  SESSION_SECRET: 'app-module-test-secret-that-is-long-enough',
  SESSION_COOKIE_SECURE: 'false',
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('AppModule.forRoot()', () => {
  it('on close, waits for the session module, then closes the store (once)', async () => {
    const app = await NestFactory.create(AppModule.forRoot(config), { logger: false, abortOnError: false });
    await app.init();
    const store = app.get<DemoStore>(DEMO_STORE);
    const storeClose = vi.spyOn(store, 'close');
    const sessionShutdown = vi.spyOn(SessionModule.prototype, 'onApplicationShutdown');

    await app.close();

    expect(sessionShutdown).toHaveBeenCalledTimes(1);
    expect(storeClose).toHaveBeenCalledTimes(1);
    const [sessionFirst] = sessionShutdown.mock.invocationCallOrder;
    const [storeFirst] = storeClose.mock.invocationCallOrder;
    expect(sessionFirst).toBeLessThan(storeFirst as number);
  });

  it('serves /healthz outside the session and the API inside it, over a real socket', async () => {
    const app = await NestFactory.create(AppModule.forRoot(config), { logger: false, abortOnError: false });
    await app.listen(0, '127.0.0.1');
    try {
      const url = await app.getUrl();
      const health = await fetch(`${url}/healthz`);
      expect(await health.text()).toBe('ok');
      expect(health.headers.getSetCookie()).toEqual([]);
      const counted = await fetch(`${url}/api/count`, { method: 'POST' });
      expect(counted.status).toBe(200);
      expect(await counted.json()).toEqual({ count: 1 });
      expect(counted.headers.getSetCookie()).toEqual([expect.stringMatching(/^session=/)]);
    } finally {
      await app.close();
    }
  });
});
