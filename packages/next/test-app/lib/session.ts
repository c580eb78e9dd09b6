import { createNextSession } from '@cloakroom/session-next';
import { shared } from './shared';

/** The options of @cloakroom/session-adapter-test's scenarioOptions (kept in step by test/app.test.ts). */
const state = shared();

export const sessions = createNextSession({
  store: state.sessions,
  secret: ['scenario-current-secret-0123456789abcdefghij', 'scenario-retired-secret-0123456789abcdefghij'],
  cookie: { name: 'sid', domain: 'localhost', path: '/', secure: true, httpOnly: true, sameSite: 'lax' },
  idleTimeout: 600,
  absoluteTimeout: 3_600,
  touchInterval: 60,
  now: state.now,
  onError: (error) => {
    state.reported.push(`${error.code}: ${error.message}`);
  },
});

export const { getSession, getWritableSession, action, redirect, withSession, withSessionApiRoute, proxy } =
  sessions;
