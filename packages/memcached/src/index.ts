export {
  MAX_PREFIX_BYTES,
  MemcachedStore,
  type MemcachedStoreOptions,
  memcachedStore,
} from './memcached-store.ts';
