import type { ScenarioOptions } from '@cloakroom/session-adapter-test';
import { ABSOLUTE_TIMEOUT, IDLE_TIMEOUT } from './fixtures.ts';

/**
 * The options the shared scenario suite expects of a demo started with `secret` and the fixtures'
 * timeouts (`DEMO_SCENARIO_ROUTES=1`): the scenario app's cookie over plain HTTP.
 */
export function demoScenarioOptions(secret: string): ScenarioOptions {
  return {
    secrets: [secret],
    cookie: { name: 'session', path: '/', secure: false, httpOnly: true, sameSite: 'lax' },
    idleTimeout: IDLE_TIMEOUT,
    absoluteTimeout: ABSOLUTE_TIMEOUT,
    touchInterval: IDLE_TIMEOUT / 10,
  };
}
