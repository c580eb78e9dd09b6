// Hostile Cookie headers for the HTTP-level property tests (hostile-cookies.test.ts and the Next.js
// soak test): random text and bytes, hostile names, thousands of pairs, huge values, and forgeries of a
// real signed cookie.
import fc from 'fast-check';

export const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');

const NAMES = [
  'sid',
  'SID',
  ' sid',
  'sid ',
  '%73id',
  '%73%69%64',
  '__Host-sid',
  '%5F%5FHost-sid',
  '__Secure-sid',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'toString',
  'prototype',
  '',
];

/** Values shaped like ours (base64url parts joined by dots) or not shaped at all. */
const value = fc.oneof(
  fc.string({ maxLength: 120 }),
  fc.base64String({ maxLength: 120 }),
  fc
    .array(fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/), { minLength: 1, maxLength: 4 })
    .map((parts) => parts.join('.')),
  fc.constantFrom('', '"', '""', '%', '%00', '%ZZ', '\u0000', '=', ';', 's:', 'undefined', 'null', '{}'),
);
const pair = fc.tuple(fc.constantFrom(...NAMES), value).map(([name, v]) => `${name}=${v}`);

/** Any Cookie header, as bytes: text, raw bytes, hostile pairs, thousands of pairs, huge values. */
export function hostileHeader(forgeries: readonly string[]): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength: 2_000 }).map(utf8) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 500 }).map(utf8) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 1_000 }) },
    { weight: 4, arbitrary: fc.array(pair, { maxLength: 60 }).map((p) => utf8(p.join('; '))) },
    {
      weight: 1,
      arbitrary: fc
        .array(fc.tuple(fc.constantFrom('a', 'sid', '__proto__', 'x'), fc.nat(99)), {
          minLength: 1_000,
          maxLength: 3_000,
        })
        .map((p) => utf8(p.map(([n, v]) => `${n}=${v}`).join(';'))),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 4_000, max: 100_000 }).map((n) => utf8(`sid=${'A'.repeat(n)}`)),
    },
    { weight: 3, arbitrary: fc.constantFrom(...forgeries).map(utf8) },
  );
}

/** Forgeries of a real cookie value: every one must fail verification before any store lookup. */
export function forgeriesOf(real: string): string[] {
  const flip = (i: number): string => real.slice(0, i) + (real[i] === 'A' ? 'B' : 'A') + real.slice(i + 1);
  const dot = real.lastIndexOf('.');
  return [
    `sid=${flip(0)}`,
    `sid=${flip(dot - 1)}`,
    `sid=${flip(dot + 1)}`,
    `sid=${flip(real.length - 1)}`,
    `sid=${real.slice(0, -1)}`,
    `sid=${real}A`,
    `sid=${real}=`,
    `sid=${real}%3D`,
    `sid=${real.slice(0, dot)}`,
    `sid=${real.slice(0, dot)}.`,
    `sid=${real.slice(dot + 1)}`,
    `sid=${encodeURIComponent(real).replace(/\./g, '%2E')}`,
    `sid=${real.toLowerCase()}`,
    `sid="${real}"x`,
    // our valid value under names that are not ours: never decoded into ours, never looked up
    `%73id=${real}`,
    `SID=${real}`,
    `__proto__=${real}`,
    `__Host-sid=${real}`,
  ];
}
