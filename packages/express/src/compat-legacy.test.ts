// Carrying live express-session sessions over: an app signs a user in on real express-session (with
// connect-redis on the machine's Redis, or connect-pg-simple on PostgreSQL), then the same app restarts
// on Cloakroom with `legacy`, and the browser stays signed in.
import { createHmac, randomUUID } from 'node:crypto';
import { CookieClient } from '@cloakroom/session-adapter-test';
import connectPgSimple from 'connect-pg-simple';
import express from 'express';
import expressSession from 'express-session';
import express4 from 'express4';
import { Redis } from 'ioredis';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import {
  type CompatSessionOptions,
  type LegacySource,
  passportUser,
  pgLegacySource,
  redisLegacySource,
  session,
} from './compat.ts';
import {
  afterThis,
  type ExpressFactory,
  passportApp,
  REDIS_URL,
  RUN,
  redisStore,
  SECRET,
  serve,
} from './testing/compat-apps.ts';

// connect-redis's own types import @types/express-session, whose req.session would clash with the
// compat one in this program: it is loaded untyped, described by the one constructor the test calls.
const { RedisStore } = (await import('connect-redis' as string)) as {
  RedisStore: new (options: { client: unknown; prefix: string }) => unknown;
};

const PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
// express-session accepted short secrets; legacy.secrets verifies with them (Cloakroom's own needs 32 bytes).
const OLD_SECRETS = ['rotated-in', 'keyboard cat'];
const login = { form: { username: 'ada', password: 'right' } };

async function ioredis(): Promise<Redis> {
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  afterThis(async () => {
    client.disconnect();
  });
  await client.ping();
  return client;
}

/** Signs `ada` in on the express-session app, then closes it (the deploy that switches). */
async function signInOnExpressSession(makeExpress: ExpressFactory, store: unknown): Promise<CookieClient> {
  const old = await serve(
    passportApp(
      makeExpress,
      expressSession({
        store,
        secret: OLD_SECRETS,
        resave: false,
        saveUninitialized: false,
        cookie: { maxAge: 3_600_000 },
      }),
    ),
  );
  expect((await old.user.post('/login', login)).status).toBe(303);
  expect((await old.user.get('/me')).json<{ user: string }>().user).toBe('ada');
  expect(old.user.cookies().get('connect.sid')).toMatch(/^s%3A/);
  await old.server.close();
  return old.user;
}

async function onCloakroom(
  makeExpress: ExpressFactory,
  source: LegacySource,
  options: Partial<CompatSessionOptions> = {},
) {
  const { store } = await redisStore();
  const middleware = session({
    store,
    secret: SECRET,
    cookie: { secure: false },
    user: passportUser,
    legacy: { source, secrets: OLD_SECRETS, user: passportUser },
    ...options,
  });
  const app = await serve(passportApp(makeExpress, middleware));
  return { ...app, manager: middleware.manager };
}

function sidOf(browser: CookieClient): string {
  const value = decodeURIComponent(browser.cookies().get('connect.sid')!);
  return value.slice(2, value.lastIndexOf('.'));
}

async function redisSetup(makeExpress: ExpressFactory) {
  const prefix = `${RUN}:${randomUUID()}:sess:`;
  const nodeRedis = createClient({ url: REDIS_URL });
  await nodeRedis.connect();
  const raw = await ioredis();
  afterThis(async () => {
    const keys = await raw.keys(`${prefix}*`).catch(() => []);
    if (keys.length > 0) await raw.del(...keys);
    await nodeRedis.quit();
  });
  const browser = await signInOnExpressSession(makeExpress, new RedisStore({ client: nodeRedis, prefix }));
  const key = prefix + sidOf(browser);
  expect(await raw.exists(key)).toBe(1);
  return { browser, raw, key, source: redisLegacySource({ client: raw, prefix }) };
}

describe.each([
  ['express 5', express],
  ['express 4', express4],
])('legacy: express-session + connect-redis to Cloakroom (%s)', (_name, makeExpress) => {
  it('keeps a signed-in browser signed in across the switch, once', async () => {
    const { browser, raw, key, source } = await redisSetup(makeExpress);
    const copy = browser.snapshot();
    const { server, manager } = await onCloakroom(makeExpress, source);
    const user = browser.at(server.baseUrl);

    const first = await user.get('/me');
    expect(first.body).toEqual({ user: 'ada', flash: [] });
    const cleared = first.setCookies.find((c) => c.name === 'connect.sid');
    expect(cleared?.value).toBe('');
    expect(cleared?.attributes.get('path')).toBe('/');
    // The new cookie keeps the old one's lifetime (an hour, where Cloakroom's default is a day).
    const carried = first.setCookies.find((c) => c.name === 'session' && c.value !== '');
    expect(carried?.attributes.get('max-age')).toBe('3600');
    // The old record is gone, and the user index knows the carried session.
    expect(await raw.exists(key)).toBe(0);
    expect(await manager.listUserSessions('ada')).toHaveLength(1);
    expect(user.cookies().has('connect.sid')).toBe(false);
    expect((await user.get('/me')).json<{ user: string }>().user).toBe('ada');
    // The old cookie never works twice.
    expect((await copy.at(server.baseUrl).get('/me')).status).toBe(401);
  });

  it('two parallel first requests with one old cookie sign in exactly one session', async () => {
    const { browser, source } = await redisSetup(makeExpress);
    const { server } = await onCloakroom(makeExpress, source);
    const a = browser.snapshot().at(server.baseUrl);
    const b = browser.snapshot().at(server.baseUrl);
    const replies = await Promise.all([a.get('/me'), b.get('/me')]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('ignores a forged or unsigned old cookie, without touching the old store', async () => {
    const { browser, raw, key, source } = await redisSetup(makeExpress);
    const { server } = await onCloakroom(makeExpress, source);
    const sid = sidOf(browser);
    const forgedMac = createHmac('sha256', 'not the secret').update(sid).digest('base64').replace(/=+$/, '');
    for (const value of [`s:${sid}.${forgedMac}`, sid, `s:${sid}`, `s:${sid}.`]) {
      const stranger = new CookieClient(server.baseUrl);
      const reply = await stranger.get('/me', {
        headers: { cookie: `connect.sid=${encodeURIComponent(value)}` },
      });
      expect(reply.status).toBe(401);
      expect(reply.setCookies).toEqual([]);
    }
    expect(await raw.exists(key)).toBe(1);
  });

  it('works on the native session() too', async () => {
    const { browser, key, raw, source } = await redisSetup(makeExpress);
    // The native entry types req.session its own way: loaded untyped in this (compat-typed) program.
    const { session: native } = (await import('./index.ts' as string)) as { session: typeof session };
    const { store } = await redisStore();
    const app = makeExpress();
    app.use(
      native({ store, secret: SECRET, cookie: { secure: false }, legacy: { source, secrets: OLD_SECRETS } }),
    );
    app.get('/passport', (req, res, next) => {
      const native = req.session as unknown as { get(key: string): Promise<unknown> };
      native.get('passport').then((p) => res.json({ p }), next);
    });
    const { server } = await serve(app);
    expect((await browser.at(server.baseUrl).get('/passport')).body).toEqual({ p: { user: 'ada' } });
    expect(await raw.exists(key)).toBe(0);
  });
});

describe('legacy: express-session + connect-pg-simple to Cloakroom', () => {
  it('keeps the browser signed in, with the row deleted by DELETE … RETURNING', async () => {
    // A schema of its own per run: connect-pg-simple names the key constraint session_pkey in every table.
    const schema = `h6_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const table = `${schema}.session`;
    const db = new Kysely<Record<string, never>>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: PG_URL, max: 4 }) }),
    });
    await db.schema.createSchema(schema).execute();
    const PgStore = connectPgSimple(expressSession);
    const pgStore = new PgStore({
      conString: PG_URL,
      schemaName: schema,
      createTableIfMissing: true,
      pruneSessionInterval: false,
    });
    afterThis(async () => {
      await pgStore.close();
      await db.schema.dropSchema(schema).ifExists().cascade().execute();
      await db.destroy();
    });
    const browser = await signInOnExpressSession(express, pgStore);
    const count = async () =>
      Number(
        (
          await db
            .selectFrom(table as never)
            .select(db.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count()).toBe(1);

    const { server } = await onCloakroom(express, pgLegacySource({ db, table }));
    const copy = browser.snapshot().at(server.baseUrl);
    const user = browser.at(server.baseUrl);
    expect((await user.get('/me')).body).toEqual({ user: 'ada', flash: [] });
    expect(await count()).toBe(0);
    expect((await user.get('/me')).status).toBe(200);
    expect((await copy.get('/me')).status).toBe(401);
  });
});
