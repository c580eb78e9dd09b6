import { resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from './config.ts';

const SECRET = { SESSION_SECRET: 'a-secret-of-at-least-thirty-two-bytes!!' };

describe('loadConfig()', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('defaults to SQLite in .data, Secure cookies, 30 min idle and 1 day absolute', () => {
    expect(loadConfig(SECRET, 3001)).toEqual({
      port: 3001,
      host: '127.0.0.1',
      secret: SECRET.SESSION_SECRET,
      store: 'sqlite',
      sqliteFile: resolve('.data/sessions.db'),
      redisUrl: 'redis://127.0.0.1:6379',
      memcachedUrl: '127.0.0.1:11211',
      pgUrl: 'postgres://postgres@127.0.0.1:5432/test',
      mysqlUrl: 'mysql://root@127.0.0.1:3306/test',
      idleTimeout: 1800,
      absoluteTimeout: 86_400,
      cookieSecure: true,
      scenarioRoutes: false,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      ...SECRET,
      PORT: '0',
      HOST: '0.0.0.0',
      SESSION_STORE: 'postgres',
      SESSION_SQLITE_FILE: '/tmp/x.db',
      REDIS_URL: 'redis://r:1',
      MEMCACHED_URL: 'm:2',
      PG_URL: 'postgres://p/3',
      MYSQL_URL: 'mysql://m/4',
      SESSION_IDLE_TIMEOUT: '60',
      SESSION_ABSOLUTE_TIMEOUT: '120',
      SESSION_COOKIE_SECURE: 'false',
      DEMO_SCENARIO_ROUTES: '1',
    });
    expect(config).toEqual({
      port: 0,
      host: '0.0.0.0',
      secret: SECRET.SESSION_SECRET,
      store: 'postgres',
      sqliteFile: '/tmp/x.db',
      redisUrl: 'redis://r:1',
      memcachedUrl: 'm:2',
      pgUrl: 'postgres://p/3',
      mysqlUrl: 'mysql://m/4',
      idleTimeout: 60,
      absoluteTimeout: 120,
      cookieSecure: false,
      scenarioRoutes: true,
    });
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ ...SECRET, SESSION_STORE: '', PORT: '', SESSION_IDLE_TIMEOUT: '' })).toMatchObject({
      store: 'sqlite',
      port: 3000,
      idleTimeout: 1800,
    });
  });

  it('keeps Secure cookies for anything but false or 0', () => {
    expect(loadConfig({ ...SECRET, SESSION_COOKIE_SECURE: 'FALSE' }).cookieSecure).toBe(false);
    expect(loadConfig({ ...SECRET, SESSION_COOKIE_SECURE: '0' }).cookieSecure).toBe(false);
    expect(loadConfig({ ...SECRET, SESSION_COOKIE_SECURE: 'no' }).cookieSecure).toBe(true);
  });

  it('refuses to start without SESSION_SECRET, saying what to set', () => {
    for (const env of [{}, { SESSION_SECRET: '' }, { DEMO_INSECURE_DEV_SECRET: 'true' }]) {
      expect(() => loadConfig(env)).toThrow(/SESSION_SECRET is not set.*DEMO_INSECURE_DEV_SECRET=1/s);
    }
  });

  it('with DEMO_INSECURE_DEV_SECRET=1 warns and uses the development secret', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(loadConfig({ DEMO_INSECURE_DEV_SECRET: '1' }).secret.length).toBeGreaterThanOrEqual(32);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('never deploy'));
  });

  it.each([
    [{ SESSION_STORE: 'mongo' }, 'SESSION_STORE'],
    [{ PORT: 'http' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ SESSION_IDLE_TIMEOUT: '1.5' }, 'SESSION_IDLE_TIMEOUT'],
    [{ SESSION_ABSOLUTE_TIMEOUT: '-1' }, 'SESSION_ABSOLUTE_TIMEOUT'],
  ])('refuses %j, naming %s', (env, name) => {
    expect(() => loadConfig({ ...SECRET, ...env })).toThrow(name);
  });
});
