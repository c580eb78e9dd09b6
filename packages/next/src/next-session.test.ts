import { createSessionManager, memoryStore, SessionError } from '@cloakroom/session-core';
import { describe, expect, it } from 'vitest';
import { createNextSession } from './next-session.ts';

const secret = 'a-test-secret-that-is-long-enough-0123456789';
const store = memoryStore({ warn: false, sweepInterval: 0 });

function configError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SessionError);
    expect((error as SessionError).code).toBe('SESSION_CONFIG');
    return (error as SessionError).message;
  }
  throw new Error('expected SESSION_CONFIG');
}

describe('createNextSession()', () => {
  it('returns every helper, bound to one manager', () => {
    const sessions = createNextSession({ store, secret });
    expect(sessions.manager.cookieName).toBe('__Host-session');
    for (const helper of [
      'getSession',
      'getWritableSession',
      'action',
      'redirect',
      'withSession',
      'proxy',
      'withSessionApiRoute',
    ] as const) {
      expect(typeof sessions[helper]).toBe('function');
    }
  });

  it('takes a manager built elsewhere, with the adapter options second', () => {
    const manager = createSessionManager({ store, secret, cookie: { name: 'sid', secure: 'auto' } });
    expect(createNextSession(manager, { trustProxy: true }).manager).toBe(manager);
  });

  it("fails at start-up on core's bad options and on its own", () => {
    expect(configError(() => createNextSession({ store, secret: 'short' }))).toContain('at least 32');
    expect(
      configError(() => createNextSession({ store, secret, trustProxy: 'yes' as unknown as boolean })),
    ).toContain('trustProxy');
    expect(configError(() => createNextSession({ store, secret, csrf: { bodyLimit: -5 } }))).toContain(
      'bodyLimit',
    );
    const sessions = createNextSession({ store, secret });
    expect(
      configError(() => sessions.withSession(() => new Response(), { csrf: { bodyLimit: Number.NaN } })),
    ).toContain('withSession({ csrf })');
  });

  it('does not pass its own options to core or change the caller’s object', () => {
    const options = Object.freeze({ store, secret, trustProxy: true, csrf: false as const });
    expect(() => createNextSession(options)).not.toThrow();
  });
});
