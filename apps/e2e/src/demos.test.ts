import { describe, expect, it } from 'vitest';
import { DEMOS, declaredDemoDependencies, presentDemos } from './demos.ts';
import { startScript } from './harness.ts';

describe('the demo list', () => {
  it('names the six demos (issue 8, and Fastify of issue 17)', () => {
    expect(DEMOS.map((demo) => demo.name)).toEqual([
      'express-demo',
      'koa-demo',
      'hono-demo',
      'nest-demo',
      'next-demo',
      'fastify-demo',
    ]);
  });

  it('every demo e2e depends on is in this checkout and runs', () => {
    const running = presentDemos().map((demo) => demo.name);
    for (const name of declaredDemoDependencies())
      expect(running, `${name} is declared but does not run`).toContain(name);
  });

  for (const demo of presentDemos()) {
    it(`${demo.name} has a start script`, () => {
      expect(startScript(demo)).not.toBe('');
    });
  }
});
