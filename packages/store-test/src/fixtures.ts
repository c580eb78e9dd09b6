import type { SessionWrite } from '@cloakroom/session-core';

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * A fresh random store key shaped like the ones core hands to stores: 32 random bytes in base64url,
 * 43 characters (core keys are a SHA-256 of the session id). Random keys let several runs share one
 * backend without colliding.
 * @example
 * const key = randomStoreKey();
 * await store.set(key, { data: '{}', expiresAt, absoluteExpiresAt: expiresAt, userId: null });
 */
export function randomStoreKey(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** A fresh user id, unique to this run. */
export function randomUserId(): string {
  return `user-${base64url(crypto.getRandomValues(new Uint8Array(12)))}`;
}

/** A write as core makes it; the absolute expiry is an hour past the (idle) expiry unless given. */
export function sessionWrite(
  data: string,
  expiresAt: number,
  userId: string | null = null,
  absoluteExpiresAt: number = expiresAt + 3_600_000,
): SessionWrite {
  return { data, expiresAt, absoluteExpiresAt, userId };
}

/** Payloads a store must hand back byte for byte, without interpreting them. */
export const UNICODE_PAYLOADS: readonly string[] = [
  JSON.stringify({
    name: 'Zoë Ångström-Łukasiewicz',
    scripts: '日本語 · 한국어 · العربية · עברית · हिन्दी · Ελληνικά',
    emoji: '🎉 🧑🏽‍🚀 👩‍👩‍👧 🏳️‍🌈',
    combining: 'e\u0301 a\u0308 \u200d\u200b',
    escapes: '"quotes" \\backslash\\ \u2028\u2029',
  }),
  // Opaque means opaque: not JSON, raw control characters, characters that quote or split in protocols.
  'not json {"a": \n\tline two\r\nkey:value; DROP TABLE sessions; -- \' " ` \\ % _ * ? $1',
];

/** About 100 KiB of UTF-8, multi-byte characters included. */
export function largePayload(): string {
  const chunk = 'The quick brown fox jumps over the lazy dog — 狐狸跳过了懒狗 — 🦊🐕 — ';
  const encoder = new TextEncoder();
  const target = 100 * 1024;
  const parts: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < target; i++) {
    const part = `${i}:${chunk}`;
    parts.push(part);
    bytes += encoder.encode(part).length;
  }
  return JSON.stringify({ blob: parts.join('') });
}
