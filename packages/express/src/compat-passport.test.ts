// passport 0.7 + passport-local + connect-flash, unchanged, on the compat session, on Express 4 and 5
// and a real Redis.
import express from 'express';
import express4 from 'express4';
import { describe, expect, it } from 'vitest';
import { passportUser, session } from './compat.ts';
import { type ExpressFactory, passportApp, redisStore, SECRET, serve } from './testing/compat-apps.ts';

const login = { form: { username: 'ada', password: 'right' } };

async function start(makeExpress: ExpressFactory) {
  const { store } = await redisStore();
  const middleware = session({
    store,
    secret: SECRET,
    cookie: { secure: false },
    user: passportUser,
  });
  return { ...(await serve(passportApp(makeExpress, middleware))), manager: middleware.manager };
}

describe.each([
  ['express 5', express],
  ['express 4', express4],
])('passport on the compat session (%s)', (_name, makeExpress) => {
  it('req.login regenerates the id, req.user is there on later requests, and the old id never signs in', async () => {
    const { user, manager } = await start(makeExpress);
    await user.post('/cart', { form: { item: 'tea' } });
    const anonymous = user.snapshot();
    const before = user.cookies().get('session');
    expect(before).toBeDefined();

    const reply = await user.post('/login', login);
    expect(reply.status).toBe(303);
    const after = user.cookies().get('session');
    expect(after).toBeDefined();
    expect(after).not.toBe(before);

    // connect-flash's message, once; req.user from the session on a later request.
    expect((await user.get('/me')).body).toEqual({ user: 'ada', flash: ['welcome ada'] });
    expect((await user.get('/me')).body).toEqual({ user: 'ada', flash: [] });
    // Session fixation: the cookie from before sign-in is worth nothing now.
    expect((await anonymous.get('/me')).status).toBe(401);
    expect((await anonymous.get('/cart')).body).toEqual({ cart: [] });
    // Without keepSessionInfo the pre-login data is gone (passport's documented default).
    expect((await user.get('/cart')).body).toEqual({ cart: [] });
    // The `user` option bound the session in core's per-user index.
    expect(await manager.listUserSessions('ada')).toHaveLength(1);
  });

  it('keepSessionInfo keeps the data from before sign-in, under a new id', async () => {
    const { user } = await start(makeExpress);
    await user.post('/cart', { form: { item: 'tea' } });
    const before = user.cookies().get('session');
    expect((await user.post('/login-keep', login)).status).toBe(303);
    expect(user.cookies().get('session')).not.toBe(before);
    expect((await user.get('/cart')).body).toEqual({ cart: ['tea'] });
    expect((await user.get('/me')).json<{ user: string }>().user).toBe('ada');
  });

  it('req.logout(cb) ends the sign-in, for this cookie and for a copy of it', async () => {
    const { user, manager } = await start(makeExpress);
    await user.post('/login', login);
    const signedIn = user.snapshot();
    expect((await user.post('/logout')).body).toEqual({ out: true });
    expect((await user.get('/me')).status).toBe(401);
    expect((await signedIn.get('/me')).status).toBe(401);
    expect(await manager.listUserSessions('ada')).toHaveLength(0);
  });

  it('a wrong password signs nobody in', async () => {
    const { user } = await start(makeExpress);
    expect((await user.post('/login', { form: { username: 'ada', password: 'wrong' } })).status).toBe(401);
    expect((await user.get('/me')).status).toBe(401);
  });

  it('connect-flash messages and nested pushes survive redirects', async () => {
    const { user } = await start(makeExpress);
    await user.post('/cart', { form: { item: 'a' } });
    await user.post('/cart', { form: { item: 'b' } });
    expect((await user.get('/cart')).body).toEqual({ cart: ['a', 'b'] });
  });
});
