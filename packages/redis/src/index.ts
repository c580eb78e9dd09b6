export type { EvictionPolicy } from './eviction.ts';
export { type RedisSessionStore, type RedisStoreOptions, redisStore } from './redis-store.ts';
