import { Redis } from 'ioredis';
import { redisStore } from './dist/index.js';
import { createHash, randomBytes } from 'node:crypto';
const client = new Redis('redis://127.0.0.1:6379');
const prefix = 'bench-tmp:' + randomBytes(4).toString('hex') + ':';
const store = redisStore({ client, prefix });
const store0 = redisStore({ client, prefix, timeout: 0 });
const data = 'x'.repeat(300);
const keys = Array.from({ length: 1000 }, () => createHash('sha256').update(randomBytes(32)).digest('base64url'));
const write = () => ({ data, expiresAt: Date.now() + 60000, absoluteExpiresAt: Date.now() + 3600000, userId: null });
async function run(name, fn, ms = 1500, conc = 50) {
  let n = 0; const end = performance.now() + ms;
  await Promise.all(Array.from({ length: conc }, async (_, w) => { let i = w; while (performance.now() < end) { await fn(keys[i++ % keys.length]); n++; } }));
  console.log(name.padEnd(20), Math.round(n / (ms / 1000)), 'ops/s'); return n;
}
for (const k of keys) { await store.set(k, write()); await client.set(prefix + 'raw:' + k, data, 'PX', 60000); }
for (let r = 0; r < 2; r++) {
  await run('raw GET', (k) => client.get(prefix + 'raw:' + k));
  await run('raw HMGET', (k) => client.hmget(prefix + 's:' + k, 'd', 'e', 'v'));
  await run('store.get', (k) => store.get(k));
  await run('store0.get', (k) => store0.get(k));
  await run('raw SET', (k) => client.set(prefix + 'raw:' + k, data, 'PX', 60000));
  await run('store.set', (k) => store.set(k, write()));
  await run('store0.set', (k) => store0.set(k, write()));
}
for (const k of keys) { await client.del(prefix + 's:' + k, prefix + 'raw:' + k); }
await client.quit();
