/**
 * What core costs per request, without HTTP: open a handle from a Cookie header, do what the route does,
 * commit. Memory store, node:crypto provider (the `node` export condition), one request at a time.
 */
import { createSessionManager, memoryStore } from '@cloakroom/session-core';
import { opsPerSecond } from './ops.ts';

export interface CoreCost {
  readonly route: '/none' | '/read' | '/write';
  readonly microseconds: number;
}

export async function coreCost(seconds: number, sessions = 1000): Promise<CoreCost[]> {
  const manager = createSessionManager({
    store: memoryStore({ warn: false, maxEntries: sessions * 2 }),
    secret: 'core-cost-secret-0123456789abcdef-0123456789',
    idleTimeout: 3600,
  });
  const cookies: string[] = [];
  for (let i = 0; i < sessions; i++) {
    const handle = manager.open({ cookie: '', secure: true });
    handle.session.set('n', 1);
    const { setCookie } = await handle.commit({ status: 200 });
    cookies.push(setCookie!.split(';', 1)[0]!);
  }
  let i = 0;
  const run = async (work: (handle: ReturnType<typeof manager.open>) => Promise<unknown> | undefined) => {
    const handle = manager.open({ cookie: cookies[i++ % sessions]!, secure: true });
    await work(handle);
    await handle.commit({ status: 200 });
  };
  const routes: Array<[CoreCost['route'], Parameters<typeof run>[0]]> = [
    ['/none', () => undefined],
    ['/read', (handle) => handle.session.get('n')],
    ['/write', (handle) => handle.session.update('n', (n) => Number(n ?? 0) + 1)],
  ];
  const result: CoreCost[] = [];
  for (const [route, work] of routes) {
    const ops = await opsPerSecond(() => run(work), seconds, 1);
    result.push({ route, microseconds: 1e6 / ops });
  }
  await manager.close();
  return result;
}
