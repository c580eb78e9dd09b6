// Test support (not exported): this package's secret and options, and Fastify apps on real loopback
// servers that each test file closes after every test.
import { memoryStore, type SessionManagerOptions } from '@cloakroom/session-core';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { serve } from './scenario-app.ts';

export const SECRET = 'fastify-adapter-test-secret-0123456789abcdef';

/** Plugin options over a fresh memory store, with plain (not Secure) cookies for http://127.0.0.1. */
export function options(extra: Partial<SessionManagerOptions> = {}): SessionManagerOptions {
  return {
    store: memoryStore({ warn: false, sweepInterval: 0 }),
    secret: SECRET,
    cookie: { secure: false },
    ...extra,
  };
}

const apps: FastifyInstance[] = [];

/** A new Fastify app, closed by {@link closeApps}. */
export function app(settings: FastifyServerOptions = {}): FastifyInstance {
  const instance = Fastify(settings);
  apps.push(instance);
  return instance;
}

/** Readies the app and serves it on an ephemeral loopback port; resolves its base URL. */
export async function listen(instance: FastifyInstance): Promise<string> {
  await instance.ready();
  return (await serve(instance)).url;
}

/** Closes every app {@link app} made (call it in `afterEach`). */
export async function closeApps(): Promise<void> {
  await Promise.all(apps.splice(0).map((instance) => instance.close()));
}
