// The store of an update race (see @cloakroom/session-store-test's describeUpdateRace), opened in every
// racing process: args are `single <url> <prefix>` or `cluster <prefix> <port>...`.
import type { UpdateRaceStore } from '@cloakroom/session-store-test';
import { redisStore } from '../redis-store.ts';
import { connectCluster, connectRedis, recommended } from './clients.ts';

export async function openStore(args: readonly string[]): Promise<UpdateRaceStore> {
  const [topology, first, ...rest] = args;
  if (topology === 'single') {
    const client = await connectRedis(recommended, first);
    return { store: redisStore({ client, prefix: rest[0]! }), close: async () => void (await client.quit()) };
  }
  const client = await connectCluster(rest.map(Number));
  return { store: redisStore({ client, prefix: first! }), close: async () => void (await client.quit()) };
}
