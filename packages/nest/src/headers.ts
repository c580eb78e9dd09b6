import type { CommitResult } from '@cloakroom/session-core';

/** The two header operations the adapter needs, over Node's response or Fastify's reply. */
export interface HeaderTarget {
  get(name: string): unknown;
  set(name: string, value: string | string[]): void;
}

function list(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/**
 * Writes a commit's headers. Safe to run again with a later commit's result: our previous `Set-Cookie`
 * is replaced (others' cookies stay), and `Vary` gains `Cookie` once.
 */
export function applyCommit(target: HeaderTarget, result: CommitResult, cookieName: string): void {
  if (result.setCookie !== null) {
    const prefix = `${cookieName}=`;
    const cookies = list(target.get('set-cookie')).filter((cookie) => !cookie.startsWith(prefix));
    cookies.push(result.setCookie);
    target.set('set-cookie', cookies);
  }
  for (const [name, value] of result.headers) {
    if (name.toLowerCase() !== 'vary') {
      target.set(name, value);
      continue;
    }
    const tokens = list(target.get('vary'))
      .flatMap((field) => field.split(','))
      .map((token) => token.trim())
      .filter((token) => token !== '');
    if (tokens.includes('*') || tokens.some((token) => token.toLowerCase() === value.toLowerCase())) continue;
    tokens.push(value);
    target.set('vary', tokens.join(', '));
  }
}
