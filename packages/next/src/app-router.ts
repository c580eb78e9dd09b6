import type { Session, SessionData } from '@cloakroom/session-core';
import { headers } from 'next/headers.js';
import { after } from 'next/server.js';
import {
  type Adapter,
  commitToCookieJar,
  controlFlowStatus,
  newState,
  type RequestState,
  writableOf,
} from './context.ts';
import { isSecure } from './request.ts';
import { ReadOnlySession } from './views.ts';

/** The App Router request's state, opened on first use and shared for the rest of the request. */
async function appState<Data extends SessionData>(adapter: Adapter<Data>): Promise<RequestState<Data>> {
  // Next hands out one headers object per request (also across a Server Action and the render after it).
  const requestHeaders = await headers();
  let state = adapter.byRequest.get(requestHeaders);
  if (state === undefined) {
    const header = (name: string): string | null => requestHeaders.get(name);
    const handle = adapter.manager.open({
      cookie: header('cookie'),
      secure: isSecure(header, adapter.trustProxy),
    });
    state = newState(handle, 'app', async (current) => {
      await commitToCookieJar(current);
    });
    adapter.byRequest.set(requestHeaders, state);
  }
  return state;
}

/** The after-response commit of a Server Component: saves what needs no cookie, reports failures. */
async function commitAfterResponse<Data extends SessionData>(
  adapter: Adapter<Data>,
  state: RequestState<Data>,
): Promise<void> {
  try {
    await state.handle.commit({ cookies: false });
  } catch (error) {
    // The response is gone: the error can only be reported. A session error goes to onError; anything
    // else (a bug) is rethrown for Next to log.
    const known = error as { code?: unknown };
    if (typeof known?.code === 'string' && known.code.startsWith('SESSION_')) {
      adapter.report(error as Parameters<Adapter<Data>['report']>[0]);
    } else {
      throw error;
    }
  }
}

export function getSessionFor<Data extends SessionData>(
  adapter: Adapter<Data>,
): () => Promise<Session<Data>> {
  return async () => {
    const scoped = adapter.scope.getStore();
    if (scoped !== undefined) return writableOf(scoped);
    const state = await appState(adapter);
    state.readOnly ??= new ReadOnlySession(state.handle.session, async () => {
      await state.handle.commit({ cookies: false });
    });
    if (!state.afterScheduled) {
      state.afterScheduled = true;
      after(() => commitAfterResponse(adapter, state));
    }
    return state.readOnly.load();
  };
}

export function getWritableSessionFor<Data extends SessionData>(
  adapter: Adapter<Data>,
): () => Promise<Session<Data>> {
  return async () => {
    const scoped = adapter.scope.getStore();
    if (scoped !== undefined) return writableOf(scoped);
    return writableOf(await appState(adapter));
  };
}

export function actionFor<Data extends SessionData>(
  adapter: Adapter<Data>,
): <Args extends unknown[], Result>(
  fn: (...args: Args) => Promise<Result>,
) => (...args: Args) => Promise<Result> {
  return (fn) =>
    async (...args) => {
      // Nested wrappers share the outer one's session and commit.
      if (adapter.scope.getStore() !== undefined) return fn(...args);
      const state = await appState(adapter);
      return adapter.scope.run(state, async () => {
        let result: Awaited<ReturnType<typeof fn>>;
        try {
          result = await fn(...args);
        } catch (error) {
          // redirect() and notFound() are how actions end: commit before Next turns them into a response.
          // Any other error is a failure, and nothing is saved.
          const status = controlFlowStatus(error);
          if (status !== null) await commitToCookieJar(state, status);
          throw error;
        }
        await commitToCookieJar(state);
        return result;
      });
    };
}

export function redirectFor<Data extends SessionData>(
  adapter: Adapter<Data>,
): (url: string, type?: 'push' | 'replace') => Promise<never> {
  return async (url, type) => {
    const scoped = adapter.scope.getStore();
    const state = scoped ?? adapter.byRequest.get(await headers());
    if (state?.kind === 'api') {
      throw new TypeError(
        '@cloakroom/session-next: redirect() is for the App Router; in a Pages Router API route use res.redirect().',
      );
    }
    if (state !== undefined) {
      // Inside a wrapper, or after getWritableSession(): the response can carry the cookie. Otherwise this
      // is a Server Component, which saves what needs no cookie.
      if (scoped !== undefined || state.writable !== undefined) await commitToCookieJar(state, 303);
      else await state.handle.commit({ cookies: false });
    }
    // Imported here, not at the top: Next resolves `next/navigation` to its server build only when it
    // bundles the import (the App Router always does), and the Pages Router may load this package
    // unbundled in Node, where the bare specifier of a package without `exports` cannot resolve.
    const { redirect } = await import('next/navigation');
    return type === undefined ? redirect(url) : redirect(url, type);
  };
}
