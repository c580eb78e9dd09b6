// Everything in the kit that runs without vitest (launchers, clients, stores, the gate): what an app
// process, a benchmark or a Next.js test app may import. The package's main entry adds the vitest suite.
export { type ParsedSetCookie, parseSetCookie } from './client.ts';
export { type ManualClock, manualClock } from './clock.ts';
export { CookieClient, type Reply, type Send } from './cookie-client.ts';
export {
  type CountingStore,
  countingStore,
  type StoreCallCounts,
  type StoreMethod,
} from './counting-store.ts';
export { type FaultMode, type FaultProxy, startFaultProxy } from './fault-proxy.ts';
export { type Gate, type GateServer, holdAtGate, startGateServer } from './gate.ts';
export {
  type MemcachedServer,
  type MemcachedServerOptions,
  startMemcachedServer,
} from './memcached-server.ts';
export {
  type ScenarioCookie,
  type ScenarioManagerInput,
  type ScenarioOptions,
  scenarioManagerOptions,
  scenarioOptions,
} from './options.ts';
export { freePort } from './ports.ts';
export type { PrivateServer } from './private-server.ts';
export { type RedisServer, type RedisServerOptions, startRedisServer } from './redis-server.ts';
export { cookieOf, listen, type ProbeStore, probeStore, type Running } from './test-server.ts';
