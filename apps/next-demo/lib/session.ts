import { memoryStore, type SessionManagerOptions } from '@cloakroom/session-core';
import { createNextSession } from '@cloakroom/session-next';
import { type DemoData, setUpDemo } from 'demo-kit';
import { PHASE_PRODUCTION_BUILD } from 'next/constants';
import { demoProcess } from './session-process';

async function options(): Promise<SessionManagerOptions> {
  // `next build` imports every route to collect its settings: it gets a throwaway memory store, so a
  // build opens no database, needs no server and reads no secret.
  if (process.env.NEXT_PHASE === PHASE_PRODUCTION_BUILD) {
    return { store: memoryStore({ warn: false }), secret: 'next-build-placeholder-secret-serves-nothing' };
  }
  // One store per process, from the environment (SESSION_STORE and friends). server.ts opens it before
  // Next starts; under `next dev` it is opened here, on first import.
  const shared = demoProcess();
  shared.setup ??= setUpDemo();
  return (await shared.setup).sessionOptions;
}

const sessionOptions = await options();

export const sessions = createNextSession<DemoData>(sessionOptions);
/**
 * The idle timeout in seconds (core's default when unset): the page's session list derives "last seen"
 * from the stored expiry minus this, so no request writes a last-seen time.
 */
export const idleTimeout: number = sessionOptions.idleTimeout ?? 86_400;
demoProcess().managers.add(sessions.manager);

export const { getSession, action, redirect, withSession, proxy } = sessions;
