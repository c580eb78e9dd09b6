// Once per run: every real server must answer (a clear error names the one that does not), and a
// private memcached is started when none listens at MEMCACHED_URL's default.

import { startMemcachedServer } from '@cloakroom/session-adapter-test';
import type { TestProject } from 'vitest/node';
import { hostPort, listening, MYSQL_URL, PG_URL, REDIS_URL, requireServer } from './servers.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `host:port` of the memcached the tests use. */
    memcachedUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  await requireServer('Redis', 'REDIS_URL', REDIS_URL, 6379);
  await requireServer('PostgreSQL', 'PG_URL', PG_URL, 5432);
  await requireServer('MariaDB', 'MYSQL_URL', MYSQL_URL, 3306);
  const explicit = process.env.MEMCACHED_URL?.replace(/^memcached:\/\//, '');
  if (explicit !== undefined && explicit !== '') {
    await requireServer('Memcached', 'MEMCACHED_URL', explicit, 11211);
    project.provide('memcachedUrl', explicit);
    return undefined;
  }
  if (await listening(hostPort('127.0.0.1:11211', 11211))) {
    project.provide('memcachedUrl', '127.0.0.1:11211');
    return undefined;
  }
  const memcached = await startMemcachedServer();
  project.provide('memcachedUrl', memcached.url);
  return () => memcached.close();
}
