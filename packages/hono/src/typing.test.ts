// Type-level checks, enforced by `pnpm typecheck` (tsconfig.test.json): a wrong type fails the compile,
// and every `@ts-expect-error` below fails it too if the error it expects ever goes away.
import { memoryStore, type Session } from '@cloakroom/session-core';
import { Hono } from 'hono';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { csrf } from './csrf.ts';
import { type SessionEnv, type SessionVariables, session } from './session.ts';
import { SECRET } from './testing/test-support.ts';

type Cart = { items: string[]; visits: number };

describe("c.get('session') typing", () => {
  it('follows the app’s Variables', async () => {
    type Env = { Variables: SessionVariables<Cart> & { requestId: string }; Bindings: { KV: string } };
    const app = new Hono<Env>();
    app.use(
      session<Cart>({ store: memoryStore({ warn: false }), secret: SECRET, cookie: { secure: false } }),
    );
    app.use(csrf());
    app.get('/', async (c) => {
      const current = c.get('session');
      expectTypeOf(current).toEqualTypeOf<Session<Cart>>();
      expectTypeOf(await current.get('visits')).toEqualTypeOf<number | undefined>();
      expectTypeOf(c.get('requestId')).toEqualTypeOf<string>();
      // @ts-expect-error: visits is a number
      current.set('visits', 'many');
      // @ts-expect-error: not a key of Cart
      await current.get('unknown');
      const items = await current.update('items', (list = []) => [...list, 'apple']);
      return c.json({ items });
    });
    const response = await app.request('/');
    expect(await response.json()).toEqual({ items: ['apple'] });
  });

  it('works with the SessionEnv shorthand and the default data type', async () => {
    const app = new Hono<SessionEnv>();
    app.use(session({ store: memoryStore({ warn: false }), secret: SECRET, cookie: { secure: false } }));
    app.get('/', async (c) => {
      c.get('session').set('anything', { nested: [1] });
      expectTypeOf(await c.get('session').get('anything')).toEqualTypeOf<unknown>();
      return c.text('ok');
    });
    expect((await app.request('/')).status).toBe(200);
  });

  it('registers the variable for apps that declare nothing', async () => {
    const app = new Hono().use(session<Cart>({ store: memoryStore({ warn: false }), secret: SECRET }));
    app.get('/', async (c) => {
      expectTypeOf(c.get('session')).toEqualTypeOf<Session<Cart>>();
      return c.text(String(await c.get('session').has('items')));
    });
    expect(await (await app.request('/')).text()).toBe('false');
  });
});
