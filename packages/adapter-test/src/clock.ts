/** A clock the test moves by hand, shared by the app's session manager and its memory store. */
export interface ManualClock {
  /** The current time, epoch milliseconds. Pass it as the manager's and the memory store's `now`. */
  readonly now: () => number;
  /** Moves the clock forward. */
  readonly advance: (ms: number) => void;
}

/**
 * A frozen clock that only moves when the test says so, starting at the real time (so stores with
 * native TTLs, which count real time, never see a write that has already expired).
 * @throws RangeError when `advance` gets a negative or non-finite number
 * @example
 * const clock = manualClock();
 * const store = memoryStore({ now: clock.now, warn: false });
 * clock.advance(61_000);
 */
export function manualClock(start: number = Date.now()): ManualClock {
  let current = start;
  return {
    now: () => current,
    advance: (ms: number) => {
      if (!Number.isFinite(ms) || ms < 0)
        throw new RangeError(`advance() takes a non-negative number, got ${ms}`);
      current += ms;
    },
  };
}
