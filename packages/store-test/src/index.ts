export {
  type ConformanceCapabilities,
  type ConformanceOptions,
  describeStoreConformance,
} from './conformance.ts';
export { randomStoreKey } from './fixtures.ts';
