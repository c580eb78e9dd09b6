import type { SessionManager } from '@cloakroom/session-core';
import type { DemoData, DemoSetup } from 'demo-kit';

/**
 * What one process shares: the demo's setup (configuration and store) and every session manager built
 * over it. Next compiles proxy.ts and the App Router separately, each with its own copy of
 * lib/session.ts, and server.ts runs outside Next's bundles, so all of them meet on globalThis.
 */
export interface DemoProcess {
  setup?: Promise<DemoSetup>;
  readonly managers: Set<SessionManager<DemoData>>;
}

const KEY = Symbol.for('cloakroom.next-demo');

/** The process-wide holder (see {@link DemoProcess}). */
export function demoProcess(): DemoProcess {
  const holder = globalThis as unknown as Record<symbol, DemoProcess | undefined>;
  holder[KEY] ??= { managers: new Set() };
  return holder[KEY];
}
