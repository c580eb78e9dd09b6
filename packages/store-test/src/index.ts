export {
  type ConformanceCapabilities,
  type ConformanceOptions,
  describeStoreConformance,
} from './conformance.ts';
export { randomStoreKey } from './fixtures.ts';
export {
  describeUpdateRace,
  type UpdateRaceOptions,
  type UpdateRaceStore,
  type UpdateRaceWorker,
} from './update-race.ts';
