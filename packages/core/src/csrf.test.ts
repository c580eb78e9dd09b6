import { describe, expect, it } from 'vitest';
import { checkOrigin, isSafeMethod } from './csrf.ts';

const self = 'https://app.example.com';

describe('checkOrigin()', () => {
  it('lets safe methods through whatever their origin', () => {
    expect(isSafeMethod('get')).toBe(true);
    expect(
      checkOrigin({ method: 'GET', origin: 'https://evil.test', selfOrigin: self, requireToken: false }),
    ).toBe(true);
  });

  it('refuses unsafe requests from a foreign or sibling-subdomain origin, and the opaque null origin', () => {
    for (const origin of [
      'https://evil.test',
      'https://other.example.com',
      'http://app.example.com',
      'null',
    ]) {
      expect(checkOrigin({ method: 'POST', origin, selfOrigin: self, requireToken: false })).toBe(false);
    }
  });

  it('accepts its own origin and configured ones', () => {
    expect(checkOrigin({ method: 'POST', origin: self, selfOrigin: self, requireToken: false })).toBe(true);
    const allowed = { allowedOrigins: ['https://admin.example.com'] };
    expect(
      checkOrigin(
        { method: 'DELETE', origin: 'https://admin.example.com', selfOrigin: self, requireToken: false },
        allowed,
      ),
    ).toBe(true);
  });

  it('falls back to Sec-Fetch-Site, and serves clients that send neither header', () => {
    expect(
      checkOrigin({ method: 'POST', secFetchSite: 'same-site', selfOrigin: self, requireToken: false }),
    ).toBe(false);
    expect(
      checkOrigin({ method: 'POST', secFetchSite: 'cross-site', selfOrigin: self, requireToken: false }),
    ).toBe(false);
    expect(
      checkOrigin({ method: 'POST', secFetchSite: 'same-origin', selfOrigin: self, requireToken: false }),
    ).toBe(true);
    expect(checkOrigin({ method: 'POST', selfOrigin: self, requireToken: false })).toBe(true);
  });
});
