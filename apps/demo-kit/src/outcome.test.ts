import { type Session, SessionError, SessionStoreError } from '@cloakroom/session-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type DemoData, DemoError, FLASH_KEY } from './actions.ts';
import { errorOutcome, isFormPost, perform } from './outcome.ts';
import { manager, Visitor } from './test/visitor.ts';

const FORM = 'application/x-www-form-urlencoded';

const refuse = async (): Promise<never> => {
  throw new DemoError(401, 'Wrong username or password.');
};

describe('isFormPost()', () => {
  it.each([
    [FORM, true],
    ['application/x-www-form-urlencoded; charset=UTF-8', true],
    ['multipart/form-data; boundary=x', true],
    ['application/json', false],
    ['text/plain', false],
    [undefined, false],
    [null, false],
  ])('%j → %j', (type, expected) => {
    expect(isFormPost(type)).toBe(expected);
  });
});

describe('perform()', () => {
  it('answers JSON requests with the result, or 204 when there is none', async () => {
    const sessions = manager();
    const visitor = new Visitor();
    const count = (s: Session<DemoData>) => async () => ({
      count: await s.update('count', (n = 0) => n + 1),
    });
    expect(await visitor.request(sessions, (s) => perform(s, 'application/json', count(s)))).toEqual({
      status: 200,
      body: { count: 1 },
    });
    const logout = (s: Session<DemoData>) => async () => s.destroy();
    expect(await visitor.request(sessions, (s) => perform(s, undefined, logout(s)))).toEqual({ status: 204 });
  });

  it('answers form posts with 303 to /', async () => {
    const visitor = new Visitor();
    expect(await visitor.request(manager(), (s) => perform(s, FORM, async () => ({ count: 1 })))).toEqual({
      status: 303,
      location: '/',
    });
  });

  it('lets a JSON request’s DemoError through to the error handler', async () => {
    const attempt = new Visitor().request(manager(), (s) => perform(s, 'application/json', refuse));
    await expect(attempt).rejects.toBeInstanceOf(DemoError);
  });

  it('turns a form post’s DemoError into a flash message and 303, so the page shows it', async () => {
    const sessions = manager();
    const visitor = new Visitor();
    const outcome = await visitor.request(sessions, (s) => perform(s, FORM, refuse));
    expect(outcome).toEqual({ status: 303, location: '/' });
    expect(await visitor.request(sessions, (s) => s.consumeFlash(FLASH_KEY))).toEqual([
      'Wrong username or password.',
    ]);
  });

  it('lets other errors of a form post through (a store outage is not a flash)', async () => {
    const outage = new SessionStoreError('get', 'Session store get failed', new Error('ECONNREFUSED'));
    const failing = async (): Promise<never> => {
      throw outage;
    };
    await expect(new Visitor().request(manager(), (s) => perform(s, FORM, failing))).rejects.toBe(outage);
  });
});

describe('errorOutcome()', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('answers a DemoError with its status and message', () => {
    expect(errorOutcome(new DemoError(401, 'Sign in first.'))).toEqual({
      status: 401,
      body: { error: 'Sign in first.' },
    });
  });

  it('answers a store outage 503 without its details, and logs nothing (onEvent already logged it)', () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const outcome = errorOutcome(
      new SessionStoreError(
        'get',
        'Session store get failed',
        new Error('connect ECONNREFUSED 10.0.0.7:6379'),
      ),
    );
    expect(outcome).toEqual({
      status: 503,
      body: { error: 'The session store is unavailable; try again shortly.' },
    });
    expect(JSON.stringify(outcome)).not.toContain('10.0.0.7');
    expect(log).not.toHaveBeenCalled();
  });

  it('answers Hono’s HTTPException(503) around the store error 503 too', () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const wrapped = Object.assign(new Error('Service Unavailable'), {
      status: 503,
      cause: new SessionStoreError('set', 'x'),
    });
    expect(errorOutcome(wrapped).status).toBe(503);
  });

  it('answers a CSRF refusal 403 with its message', () => {
    const refusal = new SessionError('SESSION_CSRF', 'Cross-site request refused.', { status: 403 });
    expect(errorOutcome(refusal)).toEqual({ status: 403, body: { error: 'Cross-site request refused.' } });
  });

  it('answers a framework 4xx (bad JSON) with its status', () => {
    const parse = Object.assign(new SyntaxError('Unexpected token'), { status: 400, statusCode: 400 });
    expect(errorOutcome(parse)).toEqual({ status: 400, body: { error: 'Unexpected token' } });
  });

  it('answers anything else 500 without its message, and logs it', () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const bug = new TypeError('cannot read secret of undefined');
    expect(errorOutcome(bug)).toEqual({ status: 500, body: { error: 'Internal Server Error' } });
    expect(errorOutcome('thrown text')).toMatchObject({ status: 500 });
    expect(errorOutcome({ status: 200 })).toMatchObject({ status: 500 });
    expect(log).toHaveBeenCalledWith(bug);
  });
});
