import { describe, expect, it } from 'vitest';
import { applyToFetchHeaders, applyToNodeResponse, hasHeaders, type NodeHeaderTarget } from './apply.ts';
import type { CommitResult } from './session.ts';

const FIRST: CommitResult = {
  setCookie: 'sid=x; Path=/',
  cookies: ['sid=x; Path=/', 'sid-csrf=; Max-Age=0; Path=/'],
  headers: [
    ['Cache-Control', 'private, no-store'],
    ['Vary', 'Cookie'],
  ],
};
const SECOND: CommitResult = {
  setCookie: 'sid=y; Path=/',
  cookies: ['sid=y; Path=/'],
  headers: [['Vary', 'Cookie']],
};

/** A Node-style header bag, as Express's and Node's responses keep them (names case-insensitive). */
function nodeHeaders(
  initial: Record<string, string | string[]>,
): NodeHeaderTarget & { all(): Record<string, unknown> } {
  const map = new Map(Object.entries(initial).map(([name, value]) => [name.toLowerCase(), value]));
  return {
    getHeader: (name) => map.get(name.toLowerCase()),
    setHeader: (name, value) => map.set(name.toLowerCase(), value),
    all: () => Object.fromEntries(map),
  };
}

describe('applyToNodeResponse()', () => {
  it('adds our cookies beside others, replaces its own on a second commit, sets Cache-Control, adds Vary once', () => {
    const target = nodeHeaders({
      'set-cookie': ['other=1'],
      vary: 'Accept-Encoding',
      'cache-control': 'public, max-age=60',
    });
    applyToNodeResponse(target, FIRST);
    applyToNodeResponse(target, SECOND);
    expect(target.all()).toEqual({
      'set-cookie': ['other=1', 'sid-csrf=; Max-Age=0; Path=/', 'sid=y; Path=/'],
      vary: 'Accept-Encoding, Cookie',
      'cache-control': 'private, no-store',
    });
  });

  it('leaves Vary: * alone and writes nothing for an empty result', () => {
    const target = nodeHeaders({ vary: '*' });
    applyToNodeResponse(target, { setCookie: null, cookies: [], headers: [['Vary', 'Cookie']] });
    expect(target.all()).toEqual({ vary: '*' });
    expect(hasHeaders({ setCookie: null, cookies: [], headers: [] })).toBe(false);
  });
});

describe('applyToFetchHeaders()', () => {
  it('does the same on a Fetch API Headers', () => {
    const headers = new Headers({ vary: 'Accept-Encoding', 'cache-control': 'public, max-age=60' });
    headers.append('set-cookie', 'other=1');
    applyToFetchHeaders(headers, FIRST);
    applyToFetchHeaders(headers, SECOND);
    expect(headers.getSetCookie()).toEqual(['other=1', 'sid-csrf=; Max-Age=0; Path=/', 'sid=y; Path=/']);
    expect(headers.get('cache-control')).toBe('private, no-store');
    expect(headers.get('vary')).toBe('Accept-Encoding, Cookie');
  });
});
