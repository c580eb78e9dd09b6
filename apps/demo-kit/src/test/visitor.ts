import {
  type AnySessionStore,
  createSessionManager,
  memoryStore,
  type Session,
  type SessionManager,
} from '@cloakroom/session-core';
import type { DemoData } from '../actions.ts';

export const SECRET = 'demo-kit-test-secret-long-enough-for-core-1234';

/** A manager over `store` (a fresh memory store by default), plain-HTTP cookies. */
export function manager(store: AnySessionStore = memoryStore({ warn: false })): SessionManager<DemoData> {
  return createSessionManager<DemoData>({ store, secret: SECRET, cookie: { secure: false } });
}

/** One browser: runs each "request" through a manager, as an adapter does, and keeps the cookie. */
export class Visitor {
  cookie: string | undefined;
  lastStatus = 0;

  async request<T>(
    sessions: SessionManager<DemoData>,
    fn: (session: Session<DemoData>) => Promise<T>,
  ): Promise<T> {
    const handle = sessions.open({ cookie: this.cookie, secure: false });
    const result = await fn(handle.session);
    const { setCookie } = await handle.commit({ status: 200 });
    if (setCookie !== null) {
      const pair = setCookie.split(';')[0] ?? '';
      this.cookie = /max-age=0/i.test(setCookie) ? undefined : pair;
    }
    return result;
  }
}
