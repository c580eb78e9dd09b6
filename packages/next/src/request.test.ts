import { createSessionManager, memoryStore } from '@cloakroom/session-core';
import { describe, expect, it } from 'vitest';
import { csrfAllows, isSecure, ownOrigins, resolveCsrf } from './request.ts';

const headersOf =
  (values: Record<string, string>) =>
  (name: string): string | null =>
    values[name] ?? null;

describe('isSecure()', () => {
  it('believes X-Forwarded-Proto only with trustProxy, and its first value only', () => {
    expect(isSecure(headersOf({ 'x-forwarded-proto': 'https' }), false)).toBe(false);
    expect(isSecure(headersOf({ 'x-forwarded-proto': 'https' }), true)).toBe(true);
    expect(isSecure(headersOf({ 'x-forwarded-proto': 'HTTPS, http' }), true)).toBe(true);
    expect(isSecure(headersOf({ 'x-forwarded-proto': 'http, https' }), true)).toBe(false);
    expect(isSecure(headersOf({}), true)).toBe(false);
  });

  it('believes the socket', () => {
    expect(isSecure(headersOf({}), false, true)).toBe(true);
  });
});

describe('ownOrigins()', () => {
  it('without trustProxy: the Host header with either scheme, and X-Forwarded-Host ignored', () => {
    expect(ownOrigins(headersOf({ host: 'app.test', 'x-forwarded-host': 'evil.test' }), false)).toEqual([
      'http://app.test',
      'https://app.test',
    ]);
  });

  it('on a TLS socket: https only', () => {
    expect(ownOrigins(headersOf({ host: 'app.test' }), false, true)).toEqual(['https://app.test']);
  });

  it('with trustProxy: the forwarded host and scheme, and nothing else', () => {
    const header = headersOf({
      host: 'internal:3000',
      'x-forwarded-host': 'app.test',
      'x-forwarded-proto': 'https',
    });
    expect(ownOrigins(header, true)).toEqual(['https://app.test']);
  });
});

describe('resolveCsrf()', () => {
  it('applies the defaults and refuses a bad body limit', () => {
    expect(resolveCsrf({})).toEqual({
      field: '_csrf',
      header: 'x-csrf-token',
      requireToken: 'forms',
      bodyLimit: 65_536,
      allowedOrigins: [],
    });
    for (const bodyLimit of [-1, 1.5]) {
      expect(() => resolveCsrf({ bodyLimit }, 'withSession({ csrf })')).toThrow(
        expect.objectContaining({
          code: 'SESSION_CONFIG',
          message: expect.stringMatching(/^@cloakroom\/session-next: withSession\(\{ csrf \}\): .*bodyLimit/),
        }),
      );
    }
  });
});

describe('csrfAllows()', () => {
  const csrf = resolveCsrf({ allowedOrigins: ['https://admin.test'] });

  async function sessionWithToken() {
    const manager = createSessionManager({
      store: memoryStore({ warn: false, sweepInterval: 0 }),
      secret: 'a-test-secret-that-is-long-enough-0123456789',
    });
    // A visitor without a session: the token rides in the anonymous `-csrf` cookie.
    const first = manager.open({ cookie: null, secure: true });
    const token = await first.session.csrfToken();
    const cookie = (await first.commit()).cookies[0]!.split(';')[0]!;
    return { session: manager.open({ cookie, secure: true }).session, token };
  }

  function input(method: string, headers: Record<string, string>, bodyToken?: string) {
    return {
      method,
      header: headersOf({ host: 'app.test', ...headers }),
      trustProxy: false,
      bodyToken: async () => bodyToken,
    };
  }

  it('lets safe methods through whatever their origin', async () => {
    const { session } = await sessionWithToken();
    expect(await csrfAllows(session, input('GET', { origin: 'https://evil.test' }), csrf)).toBe(true);
  });

  it('refuses a foreign Origin or a cross-site Sec-Fetch-Site, and accepts the configured origins', async () => {
    const { session } = await sessionWithToken();
    const json = { 'content-type': 'application/json' };
    expect(await csrfAllows(session, input('POST', { ...json, origin: 'https://evil.test' }), csrf)).toBe(
      false,
    );
    expect(await csrfAllows(session, input('POST', { ...json, 'sec-fetch-site': 'cross-site' }), csrf)).toBe(
      false,
    );
    expect(await csrfAllows(session, input('POST', { ...json, origin: 'https://admin.test' }), csrf)).toBe(
      true,
    );
    expect(await csrfAllows(session, input('POST', { ...json, origin: 'https://app.test' }), csrf)).toBe(
      true,
    );
  });

  it('requires the token for form posts, from the header or the body', async () => {
    const { session, token } = await sessionWithToken();
    const form = { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://app.test' };
    expect(await csrfAllows(session, input('POST', form), csrf)).toBe(false);
    expect(await csrfAllows(session, input('POST', form, `${token}x`), csrf)).toBe(false);
    expect(await csrfAllows(session, input('POST', form, token), csrf)).toBe(true);
    expect(await csrfAllows(session, input('POST', { ...form, 'x-csrf-token': token }), csrf)).toBe(true);
    const text = { 'content-type': 'text/plain;charset=utf-8' };
    expect(await csrfAllows(session, input('POST', text), csrf)).toBe(false);
  });

  it("with requireToken 'all', a JSON post needs the token too", async () => {
    const { session, token } = await sessionWithToken();
    const all = resolveCsrf({ requireToken: 'all' });
    const json = { 'content-type': 'application/json' };
    expect(await csrfAllows(session, input('POST', json), all)).toBe(false);
    expect(await csrfAllows(session, input('POST', { ...json, 'x-csrf-token': token }), all)).toBe(true);
  });
});
