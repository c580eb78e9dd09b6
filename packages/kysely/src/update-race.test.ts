// Issue 13: update() answers what the store holds, proven with separate processes on one database:
// PostgreSQL, MariaDB, SQLite (better-sqlite3 and node:sqlite, one file) and a tiered store whose
// processes each keep their own memory cache over PostgreSQL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeUpdateRace } from '@cloakroom/session-store-test';
import { afterAll } from 'vitest';
import { createSessionTable, dropSessionTable } from './schema.ts';
import { randomTable } from './test-databases.ts';
import { openDb } from './update-race-worker.ts';

const worker = new URL('./update-race-worker.ts', import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'cloakroom-update-race-'));
const made: Array<readonly string[]> = [];

/** Creates the race's table (and SQLite file) once, before the processes start. */
async function prepared(kind: string): Promise<readonly string[]> {
  const args = [kind, randomTable(), ...(kind.includes('sqlite') ? [join(dir, `${kind}.db`)] : [])];
  const db = openDb(args);
  try {
    await createSessionTable(db, { table: args[1]! });
  } finally {
    await db.destroy();
  }
  made.push(args);
  return args;
}

afterAll(async () => {
  for (const args of made) {
    const db = openDb(args);
    await dropSessionTable(db, { table: args[1]! }).finally(() => db.destroy());
  }
  rmSync(dir, { recursive: true, force: true });
});

for (const kind of ['postgres', 'mysql', 'better-sqlite3', 'node-sqlite', 'tiered']) {
  describeUpdateRace({ name: `kysely/${kind}`, worker, args: () => prepared(kind) });
}
