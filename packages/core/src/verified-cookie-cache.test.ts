// Issue 15: a returning session's cookie is verified at most once per manager (HMAC and SHA-256), and
// the cache of verified values can never admit a forged one.
import { describe, expect, it } from 'vitest';
import type { CryptoProvider } from './crypto.ts';
import { nodeCryptoProvider } from './crypto-node.ts';
import { setup, write } from './test-harness.ts';

function countingCrypto(): { crypto: CryptoProvider; calls: { verify: number; sha256: number } } {
  const calls = { verify: 0, sha256: 0 };
  return {
    calls,
    crypto: {
      ...nodeCryptoProvider,
      verify(key, message, signature) {
        calls.verify++;
        return nodeCryptoProvider.verify(key, message, signature);
      },
      sha256(text) {
        calls.sha256++;
        return nodeCryptoProvider.sha256(text);
      },
    },
  };
}

describe('the verified-cookie cache', () => {
  it('a returning cookie costs no HMAC and no hash after its first verification', async () => {
    const { crypto, calls } = countingCrypto();
    const h = setup({ crypto });
    const { cookie } = await write(h.manager, null, (s) => s.set('n', 1));
    calls.verify = 0;
    calls.sha256 = 0;
    for (let i = 0; i < 5; i++)
      expect(await h.manager.open({ cookie, secure: true }).session.get('n')).toBe(1);
    expect(calls).toEqual({ verify: 1, sha256: 1 });
    expect(h.manager.verifiedCookieCacheStats).toMatchObject({ hits: 4, misses: 1 });
  });

  it('a forged value never hits: it is verified (and refused) every time', async () => {
    const { crypto, calls } = countingCrypto();
    const h = setup({ crypto });
    const { cookie } = await write(h.manager, null, (s) => s.set('n', 1));
    await h.manager.open({ cookie, secure: true }).session.get('n');
    const forged = `${cookie!.slice(0, -2)}${cookie!.endsWith('AA') ? 'BB' : 'AA'}`;
    calls.verify = 0;
    const gets = h.calls.get ?? 0;
    for (let i = 0; i < 3; i++) {
      expect(await h.manager.open({ cookie: forged, secure: true }).session.exists()).toBe(false);
    }
    expect(calls.verify).toBe(3);
    expect(h.calls.get ?? 0, 'and never reaches the store').toBe(gets);
  });

  it('is bounded, least recently used out; 0 turns it off; a bad size is refused', async () => {
    const { crypto, calls } = countingCrypto();
    const h = setup({ crypto, verifiedCookieCache: 2 });
    const cookies: string[] = [];
    for (let i = 0; i < 3; i++) cookies.push((await write(h.manager, null, (s) => s.set('i', i))).cookie!);
    for (const cookie of cookies) await h.manager.open({ cookie, secure: true }).session.get('i');
    expect(h.manager.verifiedCookieCacheStats.size).toBe(2);
    calls.verify = 0;
    await h.manager.open({ cookie: cookies[0]!, secure: true }).session.get('i');
    expect(calls.verify, 'the oldest was dropped').toBe(1);
    const off = setup({ crypto, verifiedCookieCache: 0 });
    const { cookie } = await write(off.manager, null, (s) => s.set('n', 1));
    calls.verify = 0;
    await off.manager.open({ cookie, secure: true }).session.get('n');
    await off.manager.open({ cookie, secure: true }).session.get('n');
    expect(calls.verify).toBe(2);
    expect(() => setup({ verifiedCookieCache: -1 })).toThrow(/verifiedCookieCache/);
  });

  it('two cookies of our name bypass it, so cookie tossing is still detected', async () => {
    const h = setup();
    const { cookie: a } = await write(h.manager, null, (s) => s.set('who', 'a'));
    const { cookie: b } = await write(h.manager, null, (s) => s.set('who', 'b'));
    await h.manager.open({ cookie: a, secure: true }).session.get('who');
    expect(await h.manager.open({ cookie: `${a}; ${b}`, secure: true }).session.exists()).toBe(false);
    expect(h.errors.map((e) => e.code)).toContain('SESSION_COOKIE_TOSSING');
  });
});
