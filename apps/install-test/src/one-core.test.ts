import { readdirSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { installApp } from './app-project.ts';

// Core is a peer dependency of every adapter and store: an app that installs two of them gets one core,
// so one session manager, one error class and one store contract serve both.
describe('an app installing two adapters and a store', () => {
  let app: string;
  beforeAll(async () => {
    app = await installApp(
      inject('tarballs'),
      ['@cloakroom/session-express', '@cloakroom/session-koa', '@cloakroom/session-memcached'],
      ['express', 'koa', 'memcache-client'],
    );
  });
  afterAll(() => rmSync(app, { recursive: true, force: true }));

  it('has one copy of @cloakroom/session-core on disk', () => {
    const copies = readdirSync(join(app, 'node_modules/.pnpm')).filter((entry) =>
      entry.startsWith('@cloakroom+session-core@'),
    );
    expect(copies).toHaveLength(1);
  });

  it('resolves core from each adapter and the store to the same file', () => {
    const fromApp = createRequire(join(app, 'package.json'));
    const resolved = [
      '@cloakroom/session-express',
      '@cloakroom/session-koa',
      '@cloakroom/session-memcached',
    ].map((name) => {
      const entry = realpathSync(fromApp.resolve(name));
      return realpathSync(createRequire(entry).resolve('@cloakroom/session-core'));
    });
    expect(new Set(resolved).size).toBe(1);
    expect(resolved[0]).toBe(realpathSync(fromApp.resolve('@cloakroom/session-core')));
  });
});
