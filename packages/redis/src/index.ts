export { type RedisSessionStore, type RedisStoreOptions, redisStore } from './redis-store.ts';
