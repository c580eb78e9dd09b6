// The peer range of @cloakroom/session-kysely takes Kysely 0.28 as well as 0.29: an app on the oldest
// accepted Kysely (packed packages installed as an app installs them, Kysely 0.28 linked in) creates the
// table, writes a session, reads it back under its cookie, updates it through compare-and-set and destroys
// it, on SQLite through node:sqlite. A matrix beyond the newest versions, so in `pnpm test:soak`, not CI.
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { installApp } from './app-project.ts';

const APP = `import { DatabaseSync } from 'node:sqlite';
import { createSessionManager } from '@cloakroom/session-core';
import { createSessionTable, kyselyStore, nodeSqliteDatabase } from '@cloakroom/session-kysely';
import { Kysely, SqliteDialect } from 'kysely';
import { readFileSync } from 'node:fs';

const db = new Kysely({ dialect: new SqliteDialect({ database: nodeSqliteDatabase(new DatabaseSync(':memory:')) }) });
await createSessionTable(db);
const store = kyselyStore({ db });
const sessions = createSessionManager({ store, secret: 'a-kysely-soak-secret-of-at-least-32-bytes', cookie: { secure: false } });

const first = sessions.open({ cookie: undefined });
first.session.set('visits', 1);
const { setCookie } = await first.commit({ status: 200 });
const cookie = setCookie.split(';')[0];
const second = sessions.open({ cookie });
const visits = await second.session.update('visits', (n) => (n ?? 0) + 1);
await second.commit({ status: 200 });
const third = sessions.open({ cookie });
const read = await third.session.get('visits');
third.session.destroy();
await third.commit({ status: 200 });
const existsAfterDestroy = await sessions.open({ cookie }).session.exists();
await store.close();
await db.destroy();
process.stdout.write(JSON.stringify({ kysely: JSON.parse(readFileSync('node_modules/kysely/package.json', 'utf8')).version, visits, read, existsAfterDestroy }));
`;

describe('@cloakroom/session-kysely on Kysely 0.28', () => {
  let app: string;
  beforeAll(async () => {
    app = await installApp(inject('tarballs'), ['@cloakroom/session-kysely'], [['kysely', 'kysely028']]);
    writeFileSync(join(app, 'app.mjs'), APP);
  });
  afterAll(() => rmSync(app, { recursive: true, force: true }));

  it('creates, reads, updates and destroys a session', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['app.mjs'], {
      cwd: app,
      timeout: 30_000,
    });
    expect(JSON.parse(stdout)).toEqual({
      kysely: expect.stringMatching(/^0\.28\./),
      visits: 2,
      read: 2,
      existsAfterDestroy: false,
    });
  });
});
