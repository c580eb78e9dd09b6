import { describe, expect, it } from 'vitest';
import { describeAdapterScenarios, scenarioGroups, scenarioPlan } from './scenarios.ts';
import { memoryTarget } from './targets.ts';
import { startReferenceApp } from './testing/reference-app.ts';

const none = { clock: false, storeCalls: false, store: false, storeControl: false } as const;
const all = { clock: true, storeCalls: true, store: true, storeControl: true, peer: true } as const;

describe('scenarioPlan()', () => {
  it('registers every scenario of the chosen groups, in group order', () => {
    const plan = scenarioPlan({ capabilities: all });
    expect(plan.length).toBeGreaterThanOrEqual(24);
    expect(plan.every((entry) => entry.missing.length === 0)).toBe(true);
    const order = plan.map((entry) => scenarioGroups.indexOf(entry.group));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(new Set(plan.map((entry) => entry.group))).toEqual(new Set(scenarioGroups));
  });

  it('declares what it cannot run for want of a hook, and runs the rest', () => {
    const plan = scenarioPlan({ capabilities: none });
    const notRun = plan.filter((entry) => entry.missing.length > 0);
    expect(new Set(notRun.map((entry) => entry.group))).toEqual(
      new Set(['basics', 'cookies', 'lifecycle', 'expiry', 'concurrency', 'rotation', 'responses', 'outage']),
    );
    expect(notRun.find((entry) => entry.group === 'outage')?.missing).toEqual(['storeControl']);
    expect(notRun.find((entry) => entry.title.startsWith('sliding'))?.missing).toEqual([
      'clock',
      'storeCalls',
    ]);
    const runs = plan.filter((entry) => entry.missing.length === 0).map((entry) => entry.group);
    expect(runs).toEqual(
      expect.arrayContaining(['basics', 'cookies', 'lifecycle', 'concurrency', 'csrf', 'responses']),
    );
    expect(
      scenarioPlan({ capabilities: none, groups: ['csrf'] }).every((entry) => entry.group === 'csrf'),
    ).toBe(true);
  });

  it('refuses an unknown group', () => {
    expect(() => scenarioPlan({ capabilities: all, groups: ['nope' as 'csrf'] })).toThrow(
      /unknown group "nope"/,
    );
  });
});

// The suite against a framework-free reference app: the scenarios and the route contract agree.
describeAdapterScenarios('reference app (node:http + core) · memory store', memoryTarget(startReferenceApp));
