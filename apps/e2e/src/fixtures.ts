import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { CookieClient, ParsedSetCookie, Reply } from '@cloakroom/session-adapter-test';
import { describe, expect, it } from 'vitest';
import type { DemoState } from './client.ts';
import { DEMOS, type Demo, whyNotRun } from './demos.ts';
import { type DemoEnv, type RunningDemo, randomSecret, startDemo, tempDir } from './harness.ts';

/** Seconds the contract runs use, so the cookie's Max-Age proves the environment is honoured. */
export const IDLE_TIMEOUT = 900;
export const ABSOLUTE_TIMEOUT = 3_600;

/** Demos started on one fresh SQLite file (the default store), and how to stop them all. */
export interface SqliteRun {
  readonly apps: RunningDemo[];
  readonly file: string;
  close(): Promise<void>;
}

/** Starts `count` processes of a demo together over one fresh SQLite file, with the same secret. */
export async function startOnSqlite(demo: Demo, count = 1, env: DemoEnv = {}): Promise<SqliteRun> {
  const dir = tempDir(demo.name);
  const file = join(dir.path, 'sessions.db');
  const apps: RunningDemo[] = [];
  const close = async () => {
    await Promise.all(apps.map((app) => app.stop()));
    dir.remove();
  };
  try {
    const shared: DemoEnv = {
      SESSION_STORE: 'sqlite',
      SESSION_SQLITE_FILE: file,
      SESSION_IDLE_TIMEOUT: String(IDLE_TIMEOUT),
      SESSION_ABSOLUTE_TIMEOUT: String(ABSOLUTE_TIMEOUT),
      SESSION_SECRET: randomSecret(),
      ...env,
    };
    // All at once on a fresh file, as `pnpm demo` starts them: they race to create the table.
    await startMany(demo, shared, count, apps);
  } catch (error) {
    await close();
    throw error;
  }
  return { apps, file, close };
}

/**
 * Starts `count` processes of a demo at once into `into` (so whoever stops `into` stops every one that
 * started, even when another failed). @throws the first start-up failure
 */
export async function startMany(demo: Demo, env: DemoEnv, count: number, into: RunningDemo[]): Promise<void> {
  const results = await Promise.allSettled(Array.from({ length: count }, () => startDemo(demo, env)));
  for (const result of results) if (result.status === 'fulfilled') into.push(result.value);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}

/** The one `Set-Cookie` a response carries. */
export function onlyCookie(reply: Reply): ParsedSetCookie {
  expect(
    reply.setCookies.map((cookie) => cookie.raw),
    `exactly one Set-Cookie (status ${reply.status}, body ${reply.text.slice(0, 200)})`,
  ).toHaveLength(1);
  return reply.setCookies[0]!;
}

/** The session id part of a signed cookie value. */
export function idOf(value: string): string {
  return value.split('.')[0] ?? '';
}

/** Comma-separated header tokens, lower-cased. */
export function tokens(reply: Reply, name: string): string[] {
  return (reply.headers.get(name) ?? '')
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== '');
}

/** `GET /api/session`, expecting 200. */
export async function state(agent: CookieClient): Promise<DemoState> {
  const reply = await agent.get('/api/session');
  expect(reply.status, reply.text).toBe(200);
  return reply.json<DemoState>();
}

/** Signs a demo user in over the JSON API, expecting 200. */
export async function signIn(
  agent: CookieClient,
  username = 'alice',
  password = `${username}-secret`,
): Promise<Reply> {
  const reply = await agent.post('/api/login', { json: { username, password } });
  expect(reply.status, reply.text).toBe(200);
  expect(reply.json()).toEqual({ user: username });
  return reply;
}

/** Expects a JSON error answer with `status`. */
export function expectError(reply: Reply, status: number): void {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.json<{ error: unknown }>()).toEqual({ error: expect.any(String) });
}

/**
 * Registers `body` in a `describe` per demo of the list. A demo that cannot run here gets one test that
 * fails saying why: never silently left out, never reported as merely skipped.
 */
export function describeDemos(title: string, body: (demo: Demo) => void): void {
  for (const demo of DEMOS) {
    describe(`${demo.name} · ${title}`, () => {
      const why = whyNotRun(demo);
      if (why === null) {
        body(demo);
        return;
      }
      // Every demo in DEMOS belongs in the run: one missing here is a broken checkout, and fails, naming
      // what is missing, rather than being reported as skipped.
      it('is in this checkout and built before the tests', () => {
        throw new Error(`${demo.name}: ${why}`);
      });
    });
  }
}

/** demo-kit's DEMO_TABLE: a rename fails the count loudly ("no such table"), never silently. */
const SESSIONS_TABLE = 'cloakroom_demo_sessions';

/** How many session records the demos' SQLite file holds, read as an operator would. */
export function storedSessions(file: string): number {
  const database = new DatabaseSync(file, { readOnly: true });
  try {
    const row = database.prepare(`SELECT COUNT(*) AS n FROM ${SESSIONS_TABLE}`).get() as { n: number };
    return Number(row.n);
  } finally {
    database.close();
  }
}
