// handle.commitNow(): the commit of a request with nothing to write or sign answers synchronously, exactly
// what commit() would have answered; anything with work answers undefined, so the caller commits the long
// way. The Node holder uses it to let a read's response leave without an async hop.
import { describe, expect, it } from 'vitest';
import { holdResponse } from './node.ts';
import { sealedCookies } from './sealed-session.ts';
import { setup, write } from './test-harness.ts';
import { useServers } from './test-http.ts';

async function stored(h: ReturnType<typeof setup>): Promise<string> {
  const { cookie } = await write(h.manager, null, (session) => session.set('k', 'v'));
  return cookie!;
}

describe('handle.commitNow()', () => {
  it('answers a read whose touch is not due at once: Vary only, as commit() would, and no store write', async () => {
    const h = setup();
    const cookie = await stored(h);
    const handle = h.manager.open({ cookie, secure: true, canSetCookie: true });
    expect(await handle.session.get('k')).toBe('v');
    const calls = h.total();
    const now = handle.commitNow?.({ status: 200 });
    expect(now).toEqual({ setCookie: null, cookies: [], headers: [['Vary', 'Cookie']] });
    expect(h.total(), 'no store call').toBe(calls);
    // A second commit has nothing more to do either, through the long way.
    expect(await handle.commit({ status: 200 })).toEqual(now);

    const twin = h.manager.open({ cookie, secure: true, canSetCookie: true });
    await twin.session.get('k');
    expect(await twin.commit({ status: 200 }), 'the long way answers the same').toEqual(now);
  });

  it('answers undefined whenever the commit has work', async () => {
    const h = setup({ idleTimeout: 3600, touchInterval: 60 });
    const cookie = await stored(h);
    const cases: Array<[string, (session: ReturnType<typeof h.manager.open>['session']) => void]> = [
      ['a write', (session) => session.set('k', 'w')],
      ['a regenerate', (session) => session.regenerate()],
      ['a destroy', (session) => session.destroy()],
      ['a touch', (session) => session.touch()],
      ['a flash', (session) => session.flash('info', 'hi')],
    ];
    for (const [what, change] of cases) {
      const handle = h.manager.open({ cookie, secure: true });
      await handle.session.get('k');
      change(handle.session);
      expect(handle.commitNow?.({ status: 200 }), what).toBeUndefined();
      await handle.commit({ status: 200 });
    }
    // Not loaded yet (the load's answer is not known synchronously).
    expect(h.manager.open({ cookie, secure: true }).commitNow?.({ status: 200 })).toBeUndefined();
    // A CSRF token asked for.
    const csrf = h.manager.open({ cookie, secure: true });
    await csrf.session.csrfToken();
    expect(csrf.commitNow?.({ status: 200 })).toBeUndefined();
  });

  it('answers undefined when a touch is due, and commit() then refreshes the cookie', async () => {
    const h = setup({ idleTimeout: 3600, touchInterval: 60 });
    const { cookie } = await write(h.manager, null, (session) => session.set('k', 'v'));
    h.clock.now += 120_000;
    const handle = h.manager.open({ cookie, secure: true });
    await handle.session.get('k');
    expect(handle.commitNow?.({ status: 200 })).toBeUndefined();
    expect((await handle.commit({ status: 200 })).setCookie).not.toBeNull();
  });

  it('answers undefined in sealed-cookie mode (it commits the long way)', async () => {
    const h = setup({ store: sealedCookies() });
    const { cookie } = await write(h.manager, null, (session) => session.set('k', 'v'));
    const handle = h.manager.open({ cookie, secure: true });
    expect(await handle.session.get('k')).toBe('v');
    expect(handle.commitNow?.({ status: 200 })).toBeUndefined();
  });
});

describe('holdResponse() with a commit that has nothing to do', () => {
  const serve = useServers();

  it('lets a read’s head leave synchronously, with Vary: Cookie and the handler’s own headers', async () => {
    const h = setup();
    const cookie = await stored(h);
    const seen: boolean[] = [];
    const url = await serve((req, res) => {
      const handle = h.manager.open({ cookie: req.headers.cookie, secure: true, canSetCookie: true });
      holdResponse(res, handle, { onFailure: () => {}, onLateFailure: () => {} });
      void handle.session.get('k').then((value) => {
        res.writeHead(200, { 'content-type': 'text/plain', vary: 'Accept' });
        res.end(String(value));
        seen.push(res.writableEnded);
      });
    });
    const response = await fetch(url, { headers: { cookie } });
    expect(await response.text()).toBe('v');
    expect(seen, 'the response ended at once, not held').toEqual([true]);
    expect(response.headers.get('vary')).toBe('Accept, Cookie');
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('still holds a write’s head until the store has it', async () => {
    const h = setup();
    const cookie = await stored(h);
    const seen: boolean[] = [];
    const url = await serve((req, res) => {
      const handle = h.manager.open({ cookie: req.headers.cookie, secure: true, canSetCookie: true });
      holdResponse(res, handle, { onFailure: () => {}, onLateFailure: () => {} });
      handle.session.set('k', 'w');
      res.end('done');
      seen.push(res.writableEnded);
    });
    const response = await fetch(url, { headers: { cookie } });
    expect(await response.text()).toBe('done');
    expect(seen, 'held: end() had not run when the handler returned').toEqual([false]);
    const check = h.manager.open({ cookie, secure: true });
    expect(await check.session.get('k')).toBe('w');
  });
});
