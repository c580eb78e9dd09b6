/** Test support: session keys shaped like the ones core hands to stores. */
import { createHash, randomBytes } from 'node:crypto';
import type { SessionWrite } from '@cloakroom/session-core';

/** A raw session id and the store key core derives from it (a one-way hash, base64url, 43 chars). */
export function sessionKey(): { id: string; key: string } {
  const id = randomBytes(32).toString('base64url');
  return { id, key: createHash('sha256').update(id).digest('base64url') };
}

/** A write with sensible defaults: one minute idle, one hour absolute, no user. */
export function writeOf(data: string, overrides: Partial<SessionWrite> = {}): SessionWrite {
  const now = Date.now();
  return {
    data,
    expiresAt: now + 60_000,
    absoluteExpiresAt: now + 3_600_000,
    userId: null,
    ...overrides,
  };
}
