// Runs the suite against the broken stores of src/mutants; src/conformance.test.ts starts it and
// reads its JSON report.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['src/mutants/*.mutant.ts'],
    // The groups mostly wait for the real expiry, so they run side by side even on few cores.
    maxWorkers: 5,
    testTimeout: 15_000,
  },
});
