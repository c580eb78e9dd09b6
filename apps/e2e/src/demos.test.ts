import { describe, expect, it } from 'vitest';
import { DEMOS, declaredDemoDependencies, presentDemos } from './demos.ts';
import { startScript } from './harness.ts';

describe('the demo list', () => {
  it('names the five demos of issue 8', () => {
    expect(DEMOS.map((demo) => demo.name)).toEqual([
      'express-demo',
      'koa-demo',
      'hono-demo',
      'nest-demo',
      'next-demo',
    ]);
  });

  it('every demo in this checkout is a workspace devDependency of e2e, so turbo builds it before the tests', () => {
    expect(declaredDemoDependencies().sort()).toEqual(
      presentDemos()
        .map((demo) => demo.name)
        .sort(),
    );
  });

  for (const demo of presentDemos()) {
    it(`${demo.name} has a start script`, () => {
      expect(startScript(demo)).not.toBe('');
    });
  }
});
