// The guard takes core's CSRF options: what the other adapters offer (requireToken, custom names) works
// here too, and a bad option fails at start-up. The shared scenarios cover the defaults.
import 'reflect-metadata';
import { type CsrfOptions, memoryStore } from '@cloakroom/session-core';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionModule } from './session-module.ts';
import { send } from './testing/http.ts';
import { type Platform, type RunningApp, startApp } from './testing/scenario-app.ts';

let running: RunningApp | undefined;

afterEach(async () => {
  await running?.close();
  running = undefined;
});

function start(platform: Platform, csrf: CsrfOptions): Promise<RunningApp> {
  return startApp(platform, {
    imports: [
      SessionModule.forRoot({
        store: memoryStore({ warn: false }),
        secret: 'nest-csrf-guard-test-secret-0123456789abcdef',
        cookie: { name: 'sid', secure: false },
        csrf,
      }),
    ],
  });
}

describe.each(['express', 'fastify'] as const)('SessionCsrfGuard options on %s', (platform) => {
  it("with requireToken 'all', a same-origin JSON post needs the token, in the header or the custom field", async () => {
    running = await start(platform, { requireToken: 'all', field: 'authenticity', header: 'X-Token' });
    const page = await send(running.baseUrl, '/csrf-token');
    const cookie = page.setCookies.map((line) => line.split(';')[0]).join('; ');
    const { token } = page.json<{ token: string }>();
    const post = (json: unknown, headers: Record<string, string> = {}) =>
      send(running!.baseUrl, '/form', { json, cookie, headers: { origin: running!.baseUrl, ...headers } });

    expect((await post({ value: 'a' })).status).toBe(403);
    expect((await post({ value: 'a' }, { 'x-csrf-token': token })).status, 'the default header').toBe(403);
    expect((await post({ value: 'a' }, { 'x-token': token })).status).toBe(200);
    expect((await post({ value: 'b', authenticity: token })).status).toBe(200);
    expect((await post({ value: 'c', authenticity: `${token.slice(1)}x` })).status).toBe(403);
  });

  it('refuses bad options when the app starts, naming the option', async () => {
    await expect(start(platform, { bodyLimit: -1 })).rejects.toMatchObject({
      code: 'SESSION_CONFIG',
      message: expect.stringMatching(/^@cloakroom\/session-nest: .*bodyLimit/),
    });
  });
});
