// The suite is only worth what it catches: run it against stores that each break one promise of the
// contract (src/mutants) and check that the tests meant to notice really fail, and that the same store
// without a bug passes everything.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeStoreConformance } from './conformance.ts';
import { EXPECTED_FAILURES, suiteTitle } from './mutants/expected.ts';
import type { Bug } from './mutants/naive-store.ts';

interface AssertionResult {
  readonly ancestorTitles: readonly string[];
  readonly title: string;
  readonly status: string;
}
interface JsonReport {
  readonly testResults: readonly { readonly assertionResults: readonly AssertionResult[] }[];
}

const packageRoot = fileURLToPath(new URL('..', import.meta.url));

async function runMutants(outputFile: string): Promise<number | null> {
  const env = { ...process.env };
  // The child is a vitest of its own, not a worker of this one.
  for (const name of Object.keys(env)) if (name.startsWith('VITEST')) delete env[name];
  const child = spawn(
    process.execPath,
    [
      join(packageRoot, 'node_modules/vitest/vitest.mjs'),
      'run',
      '--config',
      'vitest.mutants.config.ts',
      '--reporter=json',
      `--outputFile=${outputFile}`,
    ],
    { cwd: packageRoot, env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0 && code !== 1) reject(new Error(`vitest on the mutants exited with ${code}: ${stderr}`));
      else resolve(code);
    });
  });
}

describe('describeStoreConformance()', () => {
  let dir = '';
  let exitCode: number | null = null;
  let results: AssertionResult[] = [];
  const resultsOf = (bug: Bug): AssertionResult[] =>
    results.filter((result) => result.ancestorTitles[0] === suiteTitle(bug));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cloakroom-store-test-'));
    const outputFile = join(dir, 'report.json');
    exitCode = await runMutants(outputFile);
    const report = JSON.parse(await readFile(outputFile, 'utf8')) as JsonReport;
    results = report.testResults.flatMap((file) => file.assertionResults);
  }, 120_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('passes a store that keeps every promise', () => {
    const clean = resultsOf('none');
    expect(clean.length).toBeGreaterThan(40);
    expect(clean.filter((result) => result.status !== 'passed')).toEqual([]);
    expect(exitCode).toBe(1); // the broken stores failed
  });

  it.each(Object.entries(EXPECTED_FAILURES))('fails a store with the bug %s', (bug, expected) => {
    const ran = resultsOf(bug as Bug);
    expect(ran.length, `the suite ran against the '${bug}' store`).toBeGreaterThan(30);
    for (const [block, title] of expected) {
      const match = ran.find(
        (result) => result.ancestorTitles[1] === block && result.title.startsWith(title),
      );
      expect(match, `${block} > ${title}…`).toBeDefined();
      expect(match?.status, `${block} > ${title}…`).toBe('failed');
    }
  });

  it('refuses options that leave a capability undeclared', () => {
    const store = async () => {
      throw new Error('never built');
    };
    expect(() =>
      describeStoreConformance({
        name: 'undeclared',
        createStore: store,
        capabilities: { compareAndSet: true, userIndex: true } as never,
      }),
    ).toThrow(/capabilities: \{ deleteExpired \}.*true, false or 'native'/);
    expect(() =>
      describeStoreConformance({
        name: 'undeclared',
        createStore: store,
        capabilities: { userIndex: true, deleteExpired: 'native' } as never,
      }),
    ).toThrow(/compareAndSet/);
    expect(() =>
      describeStoreConformance({
        name: '',
        createStore: store,
        capabilities: { compareAndSet: true, userIndex: true, deleteExpired: true },
      }),
    ).toThrow(/name/);
  });
});
