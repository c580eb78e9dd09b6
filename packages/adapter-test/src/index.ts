export { type ParsedSetCookie, parseSetCookie } from './client.ts';
export { type ManualClock, manualClock } from './clock.ts';
export {
  type CountingStore,
  countingStore,
  type StoreCallCounts,
  type StoreMethod,
} from './counting-store.ts';
export { type Gate, type GateServer, holdAtGate, startGateServer } from './gate.ts';
export {
  type ScenarioCookie,
  type ScenarioManagerInput,
  type ScenarioOptions,
  scenarioManagerOptions,
  scenarioOptions,
} from './options.ts';
export { type RedisServer, type RedisServerOptions, startRedisServer } from './redis-server.ts';
export {
  describeAdapterScenarios,
  type PlannedScenario,
  type ScenarioCapabilities,
  type ScenarioCapability,
  type ScenarioClock,
  type ScenarioGroup,
  type ScenarioHooks,
  type ScenarioSuite,
  type ScenarioTarget,
  scenarioGroups,
  scenarioPlan,
  scenarioTitles,
  storeHooks,
} from './scenarios.ts';
export { cookieOf, listen, type ProbeStore, probeStore, type Running } from './test-server.ts';
