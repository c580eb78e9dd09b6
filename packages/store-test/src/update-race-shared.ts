import type { AnySessionStore } from '@cloakroom/session-core';

/** A store opened by an update-race worker module, in the test process or a child process. */
export interface UpdateRaceStore {
  readonly store: AnySessionStore;
  /** Closes what the worker opened (clients, files it does not share). */
  close(): Promise<void>;
}

/**
 * What a worker module (a `.ts` or `.js` file Node can import directly) exports: a way to open the
 * store under test from plain arguments, so every process of a race reaches the same backend.
 */
export interface UpdateRaceWorker {
  openStore(args: readonly string[]): Promise<UpdateRaceStore>;
}

/** The secret every process of a race signs with (test-only: never use it for real sessions). */
export const RACE_SECRET = 'cloakroom-store-test/update-race/not-a-real-secret';
