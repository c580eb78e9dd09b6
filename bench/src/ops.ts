/** Operation-rate helpers shared by the micro-benchmarks and the memory child process. */

export const PAYLOAD_BYTES = 300;
/** A 300-byte payload, as both the store and the raw client move it. */
export const PAYLOAD: string = 'x'.repeat(PAYLOAD_BYTES);

/** Runs `op` for `seconds` with `inFlight` loops in parallel; resolves operations per second. */
export async function opsPerSecond(
  op: () => Promise<unknown>,
  seconds: number,
  inFlight: number,
): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  const loop = async (): Promise<void> => {
    while (performance.now() < end) {
      await op();
      done++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, loop));
  return done / ((performance.now() - started) / 1000);
}
