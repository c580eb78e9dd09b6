import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  type CsrfRequestView,
  csrfAllows,
  firstForwarded,
  formFieldOf,
  mediaTypeOf,
  parsedFormField,
  requestOrigin,
  resolveCsrfOptions,
} from './csrf.ts';
import { createSessionManager } from './factory.ts';
import { memoryStore } from './memory-store.ts';

const SELF = 'https://app.test';
const FORM = 'application/x-www-form-urlencoded';

const manager = createSessionManager({
  store: memoryStore({ warn: false, sweepInterval: 0 }),
  secret: 'a-test-secret-that-is-long-enough-0123456789',
});

/** A session whose token lives in the anonymous `-csrf` cookie, as a visitor's first form page leaves it. */
async function visitor() {
  const first = manager.open({ cookie: null, secure: true });
  const token = await first.session.csrfToken();
  const cookie = (await first.commit()).cookies.map((c) => c.split(';')[0]).join('; ');
  return { session: manager.open({ cookie, secure: true }).session, token };
}

/** A request view over plain headers, counting how often the body is read. */
function view(method: string, headers: Record<string, string>, field?: string) {
  const reads = { count: 0 };
  const request: CsrfRequestView = {
    method,
    header: (name) => headers[name] ?? null,
    ownOrigin: SELF,
    formField: async () => {
      reads.count += 1;
      return field;
    },
  };
  return { request, reads };
}

describe('resolveCsrfOptions()', () => {
  it('documents its defaults: _csrf, x-csrf-token, forms, 64 KiB, no other origins', () => {
    expect(resolveCsrfOptions()).toEqual({
      field: '_csrf',
      header: 'x-csrf-token',
      requireToken: 'forms',
      bodyLimit: 65_536,
      allowedOrigins: [],
    });
  });

  it('lower-cases the header name and copies the caller’s origins', () => {
    const origins = ['https://admin.test'];
    const resolved = resolveCsrfOptions({ header: 'X-Token', allowedOrigins: origins });
    origins.push('https://evil.test');
    expect(resolved.header).toBe('x-token');
    expect(resolved.allowedOrigins).toEqual(['https://admin.test']);
  });

  it.each([
    [{ bodyLimit: -1 }, 'bodyLimit'],
    [{ bodyLimit: 1.5 }, 'bodyLimit'],
    [{ bodyLimit: Number.NaN }, 'bodyLimit'],
    [{ field: '' }, 'field'],
    [{ header: 'x token' }, 'header'],
    [{ requireToken: 'json' as 'all' }, 'requireToken'],
    [{ allowedOrigins: 'https://admin.test' as unknown as string[] }, 'allowedOrigins'],
  ])('refuses %o with SESSION_CONFIG naming the option and the caller', (options, name) => {
    expect(() => resolveCsrfOptions(options, '@cloakroom/session-x: csrf()')).toThrow(
      expect.objectContaining({
        code: 'SESSION_CONFIG',
        message: expect.stringMatching(new RegExp(`^@cloakroom/session-x: csrf\\(\\): .*${name}`)),
      }),
    );
  });
});

describe('csrfAllows()', () => {
  const defaults = resolveCsrfOptions();

  it('lets safe methods through whatever their origin, reading no body', async () => {
    const { session } = await visitor();
    for (const method of ['GET', 'head', 'OPTIONS', 'TRACE']) {
      const { request, reads } = view(method, { origin: 'https://evil.test', 'content-type': FORM });
      expect(await csrfAllows(session, request, defaults), method).toBe(true);
      expect(reads.count).toBe(0);
    }
  });

  it('refuses a foreign, sibling-subdomain, other-scheme or opaque Origin before reading the body, even with the token', async () => {
    const { session, token } = await visitor();
    for (const origin of ['https://evil.test', 'https://other.app.test', 'http://app.test', 'null']) {
      const { request, reads } = view('POST', { origin, 'content-type': FORM, 'x-csrf-token': token }, token);
      expect(await csrfAllows(session, request, defaults), origin).toBe(false);
      expect(reads.count).toBe(0);
    }
  });

  it('accepts its own origins and the allowed ones', async () => {
    const { session } = await visitor();
    const json = { 'content-type': 'application/json' };
    const allowed = resolveCsrfOptions({ allowedOrigins: ['https://admin.test'] });
    expect(await csrfAllows(session, view('POST', { ...json, origin: SELF }).request, defaults)).toBe(true);
    const admin = view('DELETE', { ...json, origin: 'https://admin.test' }).request;
    expect(await csrfAllows(session, admin, defaults)).toBe(false);
    expect(await csrfAllows(session, admin, allowed)).toBe(true);
    const either = {
      ...view('PUT', { ...json, origin: 'http://app.test' }).request,
      ownOrigin: [SELF, 'http://app.test'],
    };
    expect(await csrfAllows(session, either, defaults)).toBe(true);
  });

  it('falls back to Sec-Fetch-Site, and serves clients that send neither header', async () => {
    const { session } = await visitor();
    const json = { 'content-type': 'application/json' };
    const site = (value: string) => view('POST', { ...json, 'sec-fetch-site': value }).request;
    expect(await csrfAllows(session, site('cross-site'), defaults)).toBe(false);
    expect(await csrfAllows(session, site('same-site'), defaults)).toBe(false);
    expect(await csrfAllows(session, site('same-origin'), defaults)).toBe(true);
    expect(await csrfAllows(session, site('none'), defaults)).toBe(true);
    expect(await csrfAllows(session, view('POST', json).request, defaults)).toBe(true);
  });

  it.each([
    FORM,
    'multipart/form-data; boundary=x',
    'text/plain;charset=UTF-8',
    'Application/X-WWW-Form-Urlencoded',
  ])('requires the session’s token for a %s post', async (type) => {
    const { session, token } = await visitor();
    const headers = { origin: SELF, 'content-type': type };
    expect(await csrfAllows(session, view('POST', headers).request, defaults)).toBe(false);
    expect(await csrfAllows(session, view('POST', headers, `${token.slice(1)}x`).request, defaults)).toBe(
      false,
    );
    expect(await csrfAllows(session, view('POST', headers, token).request, defaults)).toBe(true);
    expect(
      await csrfAllows(session, view('POST', { ...headers, 'x-csrf-token': token }).request, defaults),
    ).toBe(true);
  });

  it('takes the header token first and then reads no body', async () => {
    const { session, token } = await visitor();
    const { request, reads } = view('POST', { 'content-type': FORM, 'x-csrf-token': token }, 'wrong');
    expect(await csrfAllows(session, request, defaults)).toBe(true);
    expect(reads.count).toBe(0);
  });

  it('reads the configured header name', async () => {
    const { session, token } = await visitor();
    const custom = resolveCsrfOptions({ header: 'X-Token' });
    const form = { 'content-type': FORM };
    expect(await csrfAllows(session, view('POST', { ...form, 'x-token': token }).request, custom)).toBe(true);
    expect(await csrfAllows(session, view('POST', { ...form, 'x-csrf-token': token }).request, custom)).toBe(
      false,
    );
  });

  it("asks no token of JSON or bodiless posts, unless requireToken is 'all'", async () => {
    const { session, token } = await visitor();
    const all = resolveCsrfOptions({ requireToken: 'all' });
    for (const headers of [{ 'content-type': 'application/json' }, {}]) {
      expect(await csrfAllows(session, view('POST', headers).request, defaults)).toBe(true);
      expect(await csrfAllows(session, view('POST', headers).request, all)).toBe(false);
      expect(
        await csrfAllows(session, view('POST', { ...headers, 'x-csrf-token': token }).request, all),
      ).toBe(true);
    }
  });

  it('refuses a form post without a session (no token can match), and lets its JSON through', async () => {
    const { token } = await visitor();
    const form = view('POST', { origin: SELF, 'content-type': FORM }, token).request;
    expect(await csrfAllows(undefined, form, defaults)).toBe(false);
    const json = view('POST', { origin: SELF, 'content-type': 'application/json' }).request;
    expect(await csrfAllows(undefined, json, defaults)).toBe(true);
  });

  it('refuses a token of another visitor', async () => {
    const one = await visitor();
    const two = await visitor();
    const form = view('POST', { 'content-type': FORM }, two.token).request;
    expect(await csrfAllows(one.session, form, defaults)).toBe(false);
  });
});

describe('requestOrigin()', () => {
  it('believes X-Forwarded-Host, its first value only, only behind a trusted proxy', () => {
    const request = { secure: true, host: 'internal:3000', forwardedHost: 'app.test, proxy.test' };
    expect(requestOrigin({ ...request, trustProxy: true })).toBe('https://app.test');
    expect(requestOrigin({ ...request, trustProxy: false })).toBe('https://internal:3000');
    expect(requestOrigin({ secure: false, host: 'a.test', forwardedHost: '', trustProxy: true })).toBe(
      'http://a.test',
    );
  });

  it('parses forwarded values and media types', () => {
    expect(firstForwarded(' https , http')).toBe('https');
    expect(firstForwarded(',')).toBeUndefined();
    expect(firstForwarded(null)).toBeUndefined();
    expect(mediaTypeOf(' Text/Plain ; charset=utf-8')).toBe('text/plain');
    expect(mediaTypeOf(undefined)).toBe('');
  });
});

describe('formFieldOf()', () => {
  function post(body: BodyInit, type: string): Request {
    return new Request('http://app.test/form', { method: 'POST', body, headers: { 'content-type': type } });
  }

  it('reads the field from a clone: the handler still has the whole body', async () => {
    const request = post('_csrf=abc&value=1', FORM);
    expect(await formFieldOf(request, '_csrf', 1_000)).toBe('abc');
    expect(await request.text()).toBe('_csrf=abc&value=1');
  });

  /** A urlencoded request with no Content-Length, its body sent in the given chunks. */
  function chunked(chunks: Uint8Array[]): Request {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    const init = { method: 'POST', body, headers: { 'content-type': FORM }, duplex: 'half' };
    return new Request('http://app.test/form', init as RequestInit);
  }

  it('decodes UTF-8 split across chunks', async () => {
    const bytes = new TextEncoder().encode('v=é&_csrf=ü');
    const request = chunked([...bytes].map((byte) => new Uint8Array([byte])));
    expect(await formFieldOf(request, '_csrf', 1_000)).toBe('ü');
  });

  it('reads a multipart field', async () => {
    const data = new FormData();
    data.set('_csrf', 'xyz');
    const encoded = new Request('http://app.test/', { method: 'POST', body: data });
    const body = await encoded.arrayBuffer();
    const request = new Request('http://app.test/form', {
      method: 'POST',
      body,
      headers: {
        'content-type': encoded.headers.get('content-type')!,
        'content-length': String(body.byteLength),
      },
    });
    expect(await formFieldOf(request, '_csrf', 10_000)).toBe('xyz');
  });

  it('does not read past the limit, with or without a Content-Length', async () => {
    const long = `_csrf=abc&pad=${'x'.repeat(2_000)}`;
    expect(await formFieldOf(post(long, FORM), '_csrf', 100)).toBeUndefined();
    expect(await formFieldOf(chunked([new TextEncoder().encode(long)]), '_csrf', 100)).toBeUndefined();
  });

  it('finds nothing in other bodies', async () => {
    expect(await formFieldOf(post('_csrf=abc', 'text/plain'), '_csrf', 1_000)).toBeUndefined();
    expect(await formFieldOf(post('{"_csrf":"abc"}', 'application/json'), '_csrf', 1_000)).toBeUndefined();
  });
});

describe('parsedFormField()', () => {
  it('reads an own string field of a parsed body, nothing else', () => {
    expect(parsedFormField({ _csrf: 'abc' }, '_csrf')).toBe('abc');
    expect(parsedFormField({ _csrf: ['abc'] }, '_csrf')).toBeUndefined();
    expect(parsedFormField(Object.create({ _csrf: 'inherited' }), '_csrf')).toBeUndefined();
    expect(parsedFormField({}, 'toString')).toBeUndefined();
    expect(parsedFormField('_csrf=abc', '_csrf')).toBeUndefined();
    expect(parsedFormField(null, '_csrf')).toBeUndefined();
  });
});

describe('the CSRF options table', () => {
  const packages = ['core', 'express', 'koa', 'hono', 'nest', 'next', 'fastify'];

  async function tableOf(name: string): Promise<string> {
    const readme = await readFile(new URL(`../../${name}/README.md`, import.meta.url), 'utf8');
    const start = readme.indexOf('<!-- csrf-options');
    const end = readme.indexOf('<!-- /csrf-options -->');
    expect(start, `${name}/README.md has the table`).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    return readme.slice(start, end);
  }

  it('is the same in every package README', async () => {
    const core = await tableOf('core');
    for (const name of packages) expect(await tableOf(name), `${name}/README.md`).toBe(core);
  });

  it('lists every option with the default resolveCsrfOptions() applies', async () => {
    const rows = new Map(
      [...(await tableOf('core')).matchAll(/^\| `(\w+)` \| `([^`]+)` \|/gm)].map((m) => [m[1], m[2]]),
    );
    const defaults = resolveCsrfOptions();
    expect([...rows.keys()].sort()).toEqual(Object.keys(defaults).sort());
    for (const [option, value] of Object.entries(defaults)) {
      expect(rows.get(option), option).toBe(typeof value === 'string' ? `'${value}'` : JSON.stringify(value));
    }
  });
});
