// The outage target of the resilience suites: the demo app with its store connection going through a
// fault proxy the test switches (refuse, blackhole, delay), started once per describe block.
import { type FaultProxy, startFaultProxy } from '@cloakroom/session-adapter-test';
import { afterAll, beforeAll } from 'vitest';
import { type DemoApp, startDemoApp } from './demo-app.ts';
import { hostPort } from './servers.ts';

/** A store server: the demos' `SESSION_STORE` kind, the variable naming its address, and its default port. */
export interface ProxiedStore {
  readonly store: string;
  readonly variable: string;
  url(): string;
  readonly port: number;
}

/**
 * Starts the demo app on `target` through a fault proxy before the block's tests, and stops both after
 * them (the proxy passing again first). Call it in a `describe` body; the returned function gives the
 * running pair to the tests.
 */
export function useDemoBehindProxy(target: ProxiedStore): () => { proxy: FaultProxy; demo: DemoApp } {
  let proxy: FaultProxy | undefined;
  let demo: DemoApp | undefined;
  beforeAll(async () => {
    proxy = await startFaultProxy(hostPort(target.url(), target.port));
    demo = await startDemoApp({ SESSION_STORE: target.store, [target.variable]: proxy.via(target.url()) });
  });
  afterAll(async () => {
    proxy?.set('pass');
    await demo?.close();
    await proxy?.close();
  });
  return () => {
    if (proxy === undefined || demo === undefined)
      throw new Error('the demo behind its fault proxy did not start');
    return { proxy, demo };
  };
}
