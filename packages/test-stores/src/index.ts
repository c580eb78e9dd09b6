export { redisStoreFactory, redisStoreNow } from './redis.ts';
