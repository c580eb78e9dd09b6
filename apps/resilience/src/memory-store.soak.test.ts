// THREATS.md, Faults: "memory store bounded in entries; expired entries reclaimed without a request
// touching them". A million distinct sessions (two waves of 500 000) through a real manager, in a child
// process with --expose-gc so the heap can be measured after full collections.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

interface Wave {
  maxSize: number;
  peakHeap: number;
  leftAfterExpiry: number;
  heapAfterExpiry: number;
  ms: number;
}

function runChild(): Promise<{
  sessionsPerWave: number;
  maxEntries: number;
  baseline: number;
  waves: Wave[];
}> {
  const script = fileURLToPath(new URL('./memory-soak-child.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, SESSIONS_PER_WAVE: '500000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 170_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`soak child exited with ${signal ?? code}:\n${err}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1)!));
    });
  });
}

const MB = 1024 * 1024;

it('a million sessions: the store never holds more than maxEntries, sweeps them all after expiry, and the heap returns to where it started', async () => {
  const result = await runChild();
  const report = JSON.stringify(result);
  expect(result.waves).toHaveLength(2);
  for (const wave of result.waves) {
    expect(wave.maxSize, report).toBe(result.maxEntries); // filled to the bound, never past it
    expect(wave.leftAfterExpiry, `expired records swept without a request: ${report}`).toBe(0);
    expect(wave.heapAfterExpiry - result.baseline, `heap back near its baseline: ${report}`).toBeLessThan(
      8 * MB,
    );
  }
  const [first, second] = result.waves as [Wave, Wave];
  expect(
    Math.abs(second.peakHeap - first.peakHeap),
    `the second million-half peaks where the first did: ${report}`,
  ).toBeLessThan(8 * MB);
  expect(
    Math.abs(second.heapAfterExpiry - first.heapAfterExpiry),
    `flat across waves: ${report}`,
  ).toBeLessThan(4 * MB);
}, 180_000);
