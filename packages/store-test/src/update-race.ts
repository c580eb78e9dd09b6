import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createSessionManager } from '@cloakroom/session-core';
import { describe, expect, it } from 'vitest';
import { RACE_SECRET, type UpdateRaceWorker } from './update-race-shared.ts';

export type { UpdateRaceStore, UpdateRaceWorker } from './update-race-shared.ts';

/** Options of {@link describeUpdateRace}. */
export interface UpdateRaceOptions {
  /** Shown in the test name. */
  name: string;
  /**
   * URL of a module exporting `openStore(args)` ({@link UpdateRaceWorker}); every process imports it
   * (Node 24 runs a `.ts` worker and the sources it imports with `--experimental-transform-types`).
   */
  worker: URL | string;
  /** Arguments for `openStore`, e.g. a server address or a database file shared by the processes. */
  args?: () => readonly string[] | Promise<readonly string[]>;
  /** Processes that race. @default 2 */
  processes?: number;
  /** Updates per process, all in flight at once. @default 20 */
  updatesPerProcess?: number;
  /** @default 120_000 (two processes starting on a loaded machine) */
  timeoutMs?: number;
}

const CHILD = fileURLToPath(new URL('./update-race-child.js', import.meta.url));

interface ChildResult {
  answers: number[];
  reported: string[];
}

function runChild(child: ChildProcess): { ready: Promise<void>; done: Promise<ChildResult> } {
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines = createInterface({ input: child.stdout! });
  let last = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  lines.on('line', (line) => {
    if (line === 'ready') onReady();
    else last = line;
  });
  const done = new Promise<ChildResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(last) as ChildResult);
      else reject(new Error(`update race: a process exited with ${code}\n${stderr}`));
    });
  });
  // A child that dies before "ready" must not leave the race waiting.
  return { ready: Promise.race([ready, done.then(() => undefined)]), done };
}

/**
 * The promise of `session.update()` across processes: several processes load one session, then all
 * increment it at once. Every answer is a value the store accepted, so N updates answer exactly the values
 * start+1 … start+N, each once, and the store holds start+N afterwards.
 */
export function describeUpdateRace(options: UpdateRaceOptions): void {
  const processes = options.processes ?? 2;
  const perProcess = options.updatesPerProcess ?? 20;
  const total = processes * perProcess;
  describe(`${options.name}: session.update() across ${processes} processes`, () => {
    it(
      `${total} parallel update(+1) answer ${total} distinct stored values and leave start + ${total}`,
      async () => {
        const worker = String(options.worker);
        const args = [...((await options.args?.()) ?? [])];
        const { openStore } = (await import(worker)) as UpdateRaceWorker;
        const opened = await openStore(args);
        const children: ChildProcess[] = [];
        try {
          const manager = createSessionManager<{ n: number }>({ store: opened.store, secret: RACE_SECRET });
          const seed = manager.open({ cookie: null, secure: true });
          seed.session.set('n', 100);
          const { setCookie } = await seed.commit({ status: 200 });
          const cookie = setCookie!.split(';')[0]!;
          const runs = Array.from({ length: processes }, () => {
            // Transform-types lets a worker written in TypeScript load its package's sources as they are.
            const flags = ['--experimental-transform-types', '--no-warnings'];
            const child = spawn(
              process.execPath,
              [...flags, CHILD, worker, cookie, String(perProcess), ...args],
              {
                stdio: ['pipe', 'pipe', 'pipe'],
              },
            );
            children.push(child);
            return runChild(child);
          });
          await Promise.all(runs.map((run) => run.ready));
          for (const child of children) child.stdin!.write('go\n');
          const results = await Promise.all(runs.map((run) => run.done));
          const answers = results.flatMap((result) => result.answers).sort((a, b) => a - b);
          expect(answers, 'each answer is one the store accepted, once').toEqual(
            Array.from({ length: total }, (_, i) => 101 + i),
          );
          expect(results.flatMap((result) => result.reported)).toEqual([]);
          const check = manager.open({ cookie, secure: true });
          expect(await check.session.get('n')).toBe(100 + total);
          check.session.destroy();
          await check.commit({ status: 200 });
        } finally {
          for (const child of children) if (child.exitCode === null) child.kill();
          await opened.close();
        }
      },
      options.timeoutMs ?? 120_000,
    );
  });
}
