import type { TestProject } from 'vitest/node';
import { isMemcached, startMemcached } from './memcached-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `host:port` of the memcached the conformance suite runs against. */
    memcachedUrl: string;
  }
}

/**
 * Uses MEMCACHED_URL (default 127.0.0.1:11211) when a memcached answers there; otherwise starts a
 * private one on a spare port and stops it afterwards. An explicit MEMCACHED_URL that does not answer
 * is an error, never a silent fallback.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const explicit = process.env.MEMCACHED_URL;
  const address = (explicit ?? '127.0.0.1:11211').replace(/^memcached:\/\//, '');
  if (await isMemcached(address)) {
    project.provide('memcachedUrl', address);
    return undefined;
  }
  if (explicit !== undefined) {
    throw new Error(
      `Memcached is unreachable at ${address} (MEMCACHED_URL): start it or unset the variable.`,
    );
  }
  const server = await startMemcached();
  project.provide('memcachedUrl', server.address);
  return () => server.stop();
}
