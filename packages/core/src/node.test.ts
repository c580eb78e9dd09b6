// Core's Node response holder over a real node:http server (the adapters' suites cover each framework).
import { describe, expect, it } from 'vitest';
import { holdResponse } from './node.ts';
import { setup } from './test-harness.ts';
import { useServers } from './test-http.ts';

const serve = useServers();

describe('holdResponse()', () => {
  it('lets an untouched request through synchronously: no held head, no commit, no headers', async () => {
    const h = setup();
    const seen: boolean[] = [];
    const url = await serve((req, res) => {
      const handle = h.manager.open({ cookie: req.headers.cookie, secure: true });
      holdResponse(res, handle, { onFailure: () => {}, onLateFailure: () => {} });
      res.writeHead(200, { 'content-type': 'text/plain' });
      seen.push(res.headersSent);
      res.end('plain');
    });
    const response = await fetch(url);
    expect(await response.text()).toBe('plain');
    expect(seen, 'the head left at once').toEqual([true]);
    expect(response.headers.get('cache-control')).toBeNull();
    expect(response.headers.get('vary')).toBeNull();
    expect(h.total(), 'no store call').toBe(0);
  });

  it('holds a touched request’s head until the commit, with the cookie in it, and keeps writeHead’s headers', async () => {
    const h = setup();
    const seen: boolean[] = [];
    const url = await serve((req, res) => {
      const handle = h.manager.open({ cookie: req.headers.cookie, secure: true });
      holdResponse(res, handle, { onFailure: () => {}, onLateFailure: () => {} });
      handle.session.set('k', 'v');
      res.writeHead(200, { 'cache-control': 'public, max-age=60', 'set-cookie': 'other=1' });
      seen.push(res.headersSent);
      res.end('done');
    });
    const response = await fetch(url);
    expect(await response.text()).toBe('done');
    expect(seen, 'held: reported as sent meanwhile').toEqual([true]);
    expect(h.memory.size).toBe(1);
    const cookies = response.headers.getSetCookie();
    expect(cookies[0]).toBe('other=1');
    expect(cookies[1]).toMatch(/^__Host-session=/);
    expect(response.headers.get('cache-control'), 'ours over the handler’s').toBe('private, no-store');
  });

  it('a failed commit drops the held response and hands the error to onFailure', async () => {
    const h = setup({ maxPayloadBytes: 10 });
    const failures: unknown[] = [];
    const url = await serve((req, res) => {
      const handle = h.manager.open({ cookie: req.headers.cookie, secure: true });
      holdResponse(res, handle, {
        onFailure: (error) => {
          failures.push(error);
          res.statusCode = 413;
          res.end('too large');
        },
        onLateFailure: () => {},
      });
      handle.session.set('k', 'x'.repeat(100));
      res.setHeader('content-type', 'application/json');
      res.end('{"never":true}');
    });
    const response = await fetch(url);
    expect(response.status).toBe(413);
    expect(await response.text()).toBe('too large');
    expect(response.headers.get('content-type')).toBeNull();
    expect(failures).toEqual([expect.objectContaining({ code: 'SESSION_PAYLOAD_TOO_LARGE' })]);
  });

  it('installs the same functions on every response (no per-request hidden class) and release() restores Node’s', async () => {
    const h = setup();
    const seen: Array<{ end: unknown; afterRelease: unknown; node: unknown }> = [];
    const url = await serve((req, res) => {
      const handle = h.manager.open({ cookie: req.headers.cookie, secure: true });
      const held = holdResponse(res, handle, { onFailure: () => {}, onLateFailure: () => {} });
      const end = res.end;
      held.release();
      seen.push({ end, afterRelease: res.end, node: Object.getPrototypeOf(res).end });
      res.end('ok');
    });
    await (await fetch(url)).text();
    await (await fetch(url)).text();
    expect(seen[0]!.end, 'one shared wrapper for every response').toBe(seen[1]!.end);
    expect(seen[0]!.end).not.toBe(seen[0]!.node);
    expect(seen[0]!.afterRelease, 'Node’s own end once released').toBe(seen[0]!.node);
  });

  it('a response held twice commits both sessions, in the head, before a byte leaves', async () => {
    const one = setup();
    const two = setup({ cookie: { name: '__Host-second' } });
    const url = await serve((req, res) => {
      const first = one.manager.open({ cookie: req.headers.cookie, secure: true });
      holdResponse(res, first, { onFailure: () => {}, onLateFailure: () => {} });
      const second = two.manager.open({ cookie: req.headers.cookie, secure: true });
      holdResponse(res, second, { onFailure: () => {}, onLateFailure: () => {} });
      first.session.set('a', 1);
      second.session.set('b', 2);
      res.end('both');
    });
    const response = await fetch(url);
    expect(await response.text()).toBe('both');
    expect(one.memory.size).toBe(1);
    expect(two.memory.size).toBe(1);
    expect(response.headers.getSetCookie()).toHaveLength(2);
  });
});
