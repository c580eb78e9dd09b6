// Test-only: the store of an update race (see @cloakroom/session-store-test's describeUpdateRace),
// opened in every racing process. args: `<servers, comma-separated> <prefix>`.
import type { UpdateRaceStore } from '@cloakroom/session-store-test';
import { memcachedStore } from '../memcached-store.ts';

export async function openStore(args: readonly string[]): Promise<UpdateRaceStore> {
  const [servers, prefix] = args as [string, string];
  const store = memcachedStore({ servers: servers.split(','), prefix });
  return { store, close: () => store.close() };
}
