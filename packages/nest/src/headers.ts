import { applyToNodeResponse, type CommitResult } from '@cloakroom/session-core';

/** The two header operations the adapter needs, over Node's response or Fastify's reply. */
export interface HeaderTarget {
  get(name: string): unknown;
  set(name: string, value: string | string[]): void;
}

/**
 * Writes a commit's headers. Safe to run again with a later commit's result: our previous cookies are
 * replaced (others' cookies stay), and `Vary` gains `Cookie` once.
 */
export function applyCommit(target: HeaderTarget, result: CommitResult): void {
  applyToNodeResponse(
    { getHeader: (name) => target.get(name), setHeader: (name, value) => target.set(name, value) },
    result,
  );
}
