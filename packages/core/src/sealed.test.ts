import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type CryptoProvider, fromBase64Url, toBase64Url, webCryptoProvider } from './crypto.ts';
import { nodeCryptoProvider } from './crypto-node.ts';
import { SessionError } from './errors.ts';
import {
  CookieSealer,
  MAX_SEALED_COOKIE_BYTES,
  refusePublishedSecrets,
  SEALED_PREFIX,
  sha256Hex,
} from './sealed.ts';

const encoder = new TextEncoder();
const SECRET = encoder.encode('a-sealed-test-secret-that-is-long-enough-01');
const OLD = encoder.encode('an-older-sealed-secret-that-is-long-enough-02');

function sealer(
  crypto: CryptoProvider,
  options: { secrets?: Uint8Array[]; cookieName?: string; purpose?: string; maxBytes?: number } = {},
): CookieSealer {
  return new CookieSealer({ secrets: [SECRET], cookieName: '__Host-session', crypto, ...options });
}

/** Flips one character of a base64url value to another valid one. */
function flip(value: string, index: number): string {
  const char = value[index]!;
  const other = char === 'A' ? 'B' : 'A';
  return value.slice(0, index) + other + value.slice(index + 1);
}

describe.each([
  ['Web Crypto', webCryptoProvider],
  ['node:crypto', nodeCryptoProvider],
] as const)('CookieSealer on %s', (_name, crypto) => {
  it('opens what it sealed, under a version prefix, with a fresh salt (so key) per seal', async () => {
    const s = sealer(crypto);
    const a = await s.seal('{"hello":"world"}');
    const b = await s.seal('{"hello":"world"}');
    expect(a.startsWith(SEALED_PREFIX)).toBe(true);
    expect(a).not.toBe(b);
    // The salts (the first 32 bytes after the prefix) differ: HKDF gives each seal its own key.
    expect(a.slice(3, 46)).not.toBe(b.slice(3, 46));
    expect(await s.open(a)).toEqual({ plaintext: '{"hello":"world"}', reissue: false });
    expect(await s.open(b)).toEqual({ plaintext: '{"hello":"world"}', reissue: false });
  });

  it('the other provider opens it too: one format on every runtime', async () => {
    const other = crypto === webCryptoProvider ? nodeCryptoProvider : webCryptoProvider;
    const value = await sealer(crypto).seal('same bytes everywhere');
    expect((await sealer(other).open(value))?.plaintext).toBe('same bytes everywhere');
  });

  it('refuses every value with one character changed (tampering), at every position', async () => {
    const s = sealer(crypto);
    const value = await s.seal('{"user":"alice","admin":false}');
    for (let index = 0; index < value.length; index++) {
      expect(await s.open(flip(value, index)), `position ${index}`).toBeNull();
    }
  });

  it('refuses truncated, extended and padded values', async () => {
    const s = sealer(crypto);
    const value = await s.seal('{"user":"alice"}');
    for (let length = 0; length < value.length; length++) {
      expect(await s.open(value.slice(0, length)), `length ${length}`).toBeNull();
    }
    expect(await s.open(`${value}A`)).toBeNull();
    expect(await s.open(`${value}=`)).toBeNull();
    expect(await s.open(` ${value}`)).toBeNull();
    expect(await s.open(`c2${value.slice(2)}`)).toBeNull();
  });

  it('refuses a value sealed for another cookie name or another purpose', async () => {
    const value = await sealer(crypto).seal('{"user":"alice"}');
    expect(await sealer(crypto, { cookieName: 'session' }).open(value)).toBeNull();
    expect(await sealer(crypto, { purpose: 'cloakroom/other-purpose/v1' }).open(value)).toBeNull();
    const other = await sealer(crypto, { purpose: 'cloakroom/other-purpose/v1' }).seal('{"user":"alice"}');
    expect(await sealer(crypto).open(other)).toBeNull();
  });

  it('rotation: the first secret seals, older ones open (reissue), a removed one no longer opens', async () => {
    const underOld = await sealer(crypto, { secrets: [OLD] }).seal('old');
    const rotated = sealer(crypto, { secrets: [SECRET, OLD] });
    expect(await rotated.open(underOld)).toEqual({ plaintext: 'old', reissue: true });
    const resealed = await rotated.seal('old');
    expect(await sealer(crypto, { secrets: [SECRET] }).open(resealed)).toEqual({
      plaintext: 'old',
      reissue: false,
    });
    expect(await sealer(crypto, { secrets: [SECRET] }).open(underOld)).toBeNull();
  });

  it('name=value of exactly 4096 bytes is sealed and opens; 4097 is refused with 413, never truncated', async () => {
    const s = sealer(crypto);
    const measure = sealer(crypto, { maxBytes: 10_000 });
    const sizes = new Map<number, number>();
    for (let pad = 2950; pad < 3100; pad++) sizes.set(measure.cookieBytes(pad), pad);
    const exact = sizes.get(MAX_SEALED_COOKIE_BYTES)!;
    const over = sizes.get(MAX_SEALED_COOKIE_BYTES + 1)!;
    expect(exact).toBeDefined();
    expect(over).toBeDefined();
    const fits = 'x'.repeat(exact);
    const value = await s.seal(fits);
    expect(`__Host-session=${value}`.length).toBe(4096);
    expect((await s.open(value))?.plaintext).toBe(fits);
    // The prediction matches a real seal one byte larger.
    expect(`__Host-session=${await measure.seal('x'.repeat(over))}`.length).toBe(4097);
    const refused = await s.seal('x'.repeat(over)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SessionError);
    expect(refused).toMatchObject({ code: 'SESSION_PAYLOAD_TOO_LARGE', status: 413 });
    // Multi-byte characters count as the bytes they take.
    const accented = await s.seal('é'.repeat(Math.ceil(over / 2))).catch((error: unknown) => error);
    expect(accented).toMatchObject({ code: 'SESSION_PAYLOAD_TOO_LARGE' });
  });

  it('refuses a value over the limit before any crypto', async () => {
    const measure = sealer(crypto, { maxBytes: 10_000 });
    const big = await measure.seal('y'.repeat(3100));
    expect(await measure.open(big)).not.toBeNull();
    expect(await sealer(crypto).open(big)).toBeNull();
  });
});

describe('fromBase64Url()', () => {
  it('decodes exactly the canonical base64url spellings, as Buffer does, and refuses every other one', () => {
    const canonical = (text: string): boolean =>
      /^[A-Za-z0-9_-]*$/.test(text) && Buffer.from(text, 'base64url').toString('base64url') === text;
    for (let length = 0; length < 40; length++) {
      const bytes = randomBytes(length);
      const text = toBase64Url(bytes);
      expect(Buffer.from(fromBase64Url(text)!)).toEqual(bytes);
      for (let at = 0; at < text.length; at++) {
        for (const char of ['A', 'B', 'Q', 'g', '-', '_', '=', '+', '/', '.', ' ', 'é', '\u0141']) {
          const variant = text.slice(0, at) + char + text.slice(at + 1);
          const decoded = fromBase64Url(variant);
          expect(decoded !== null, JSON.stringify(variant)).toBe(canonical(variant));
          if (decoded !== null) expect(Buffer.from(decoded)).toEqual(Buffer.from(variant, 'base64url'));
        }
      }
      expect(fromBase64Url(`${text}A`) !== null).toBe(canonical(`${text}A`));
    }
    expect(fromBase64Url('A')).toBeNull();
  });
});

describe('a crypto provider without sealBytes and openBytes', () => {
  it('falls back to Web Crypto, so a provider written before sealed cookies still works', async () => {
    const { sealBytes: _seal, openBytes: _open, ...older } = nodeCryptoProvider;
    const value = await sealer(older).seal('still sealed');
    expect((await sealer(nodeCryptoProvider).open(value))?.plaintext).toBe('still sealed');
  });
});

describe('published secrets', () => {
  it('sha256Hex agrees with node:crypto', () => {
    for (const text of ['', 'abc', 'x'.repeat(55), 'x'.repeat(56), 'x'.repeat(64), 'é'.repeat(300)]) {
      expect(sha256Hex(encoder.encode(text))).toBe(createHash('sha256').update(text).digest('hex'));
    }
  });

  it('refuses the fallback secrets this repository publishes, naming which one', () => {
    for (const published of [
      'cloakroom-demo-development-secret-do-not-deploy',
      'dev-only-secret-change-me-at-least-32-bytes',
      'development-only-secret-change-me-0123456789',
      'bench-secret-not-for-production-0123456789abcdef',
    ]) {
      expect(() => refusePublishedSecrets([SECRET, encoder.encode(published)])).toThrow(
        /options\.secret\[1\] is published/,
      );
    }
    expect(() => refusePublishedSecrets([SECRET, OLD])).not.toThrow();
  });
});
