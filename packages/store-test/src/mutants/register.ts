import { describeStoreConformance } from '../conformance.ts';
import { GROUPS } from './expected.ts';
import { naiveStore } from './naive-store.ts';

export function registerGroup(index: number): void {
  for (const bug of GROUPS[index] ?? []) {
    describeStoreConformance({
      name: bug,
      createStore: () => naiveStore(bug),
      cleanup: (store) => store.close(),
      capabilities: {
        compareAndSet: bug !== 'has-undeclared-cas',
        userIndex: true,
        deleteExpired: true,
        getAndTouch: bug !== 'has-undeclared-gat',
      },
    });
  }
}
