import { createNextSession } from '@cloakroom/session-next';
import { type DemoData, setUpDemo } from 'demo-kit';
import { PHASE_PRODUCTION_BUILD } from 'next/constants';
import { demoProcess } from './session-process';

// `next build` imports every route to collect its settings: it gets a throwaway memory store, so a build
// opens no database and needs no server.
const BUILD_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  SESSION_STORE: 'memory',
  SESSION_SECRET: 'next-build-placeholder-secret-never-serves-a-request',
};

const shared = demoProcess();
// One store per process, from the environment (SESSION_STORE and friends). server.ts opens it before
// Next starts; under `next dev` it is opened here, on first import.
shared.setup ??= setUpDemo(process.env.NEXT_PHASE === PHASE_PRODUCTION_BUILD ? BUILD_ENV : process.env);
const { sessionOptions } = await shared.setup;

export const sessions = createNextSession<DemoData>(sessionOptions);
shared.managers.add(sessions.manager);

export const { getSession, action, redirect, withSession, proxy } = sessions;
