// The shared scenario app's routes (packages/adapter-test README), served under /__scenarios only with
// DEMO_SCENARIO_ROUTES=1, so apps/e2e can run the adapters' scenario suite against this very app: its
// withSession(), CSRF check and error handling. Not part of the demo itself.
import type { Session } from '@cloakroom/session-core';
import { holdAtGate, NOT_FOUND } from 'demo-kit';
import type { NextRequest } from 'next/server';
import { respond } from './api';
import { withSession } from './session';
import { demoProcess } from './session-process';

type AnySession = Session<Record<string, unknown>>;
type Route = (request: NextRequest, session: AnySession) => Response | Promise<Response>;

const query = (request: NextRequest, name: string): string => request.nextUrl.searchParams.get(name) ?? '';
const ok = (): Response => Response.json({ ok: true });

const GET_ROUTES: Record<string, Route> = {
  none: () => new Response('none', { headers: { 'content-type': 'text/plain; charset=utf-8' } }),
  get: async (request, session) =>
    Response.json({ value: (await session.exists()) ? await session.get(query(request, 'key')) : null }),
  user: async (_request, session) => Response.json({ user: await session.getUser() }),
  flash: async (_request, session) => Response.json({ messages: await session.consumeFlash('message') }),
  'csrf-token': async (_request, session) => Response.json({ token: await session.csrfToken() }),
};

const POST_ROUTES: Record<string, Route> = {
  set: async (request, session) => {
    for (const [key, value] of Object.entries((await request.json()) as Record<string, unknown>)) {
      session.set(key, value);
    }
    return ok();
  },
  increment: async (request, session) =>
    Response.json({ value: await session.update(query(request, 'key'), (n) => Number(n ?? 0) + 1) }),
  regenerate: async (request, session) => {
    await holdAtGate(session, query(request, 'gate'));
    session.regenerate();
    return ok();
  },
  destroy: (_request, session) => {
    session.destroy();
    return ok();
  },
  login: async (request, session) => {
    session.setUser(String(((await request.json()) as { user?: unknown }).user));
    session.regenerate();
    return ok();
  },
  flash: async (request, session) => {
    session.flash('message', ((await request.json()) as { message?: unknown }).message);
    return ok();
  },
  form: async (request, session) => {
    session.set('form', String((await request.formData()).get('value') ?? ''));
    return ok();
  },
  'write-redirect': (request, session) => {
    const key = query(request, 'key');
    session.set(key, query(request, 'value'));
    // Relative to the prefix, as the suite's client resolves it.
    return new Response(null, { status: 302, headers: { location: `/get?key=${encodeURIComponent(key)}` } });
  },
  stream: (request, session) => {
    session.set(query(request, 'key'), query(request, 'value'));
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(encoder.encode('chunk-1\n'));
        await new Promise((resolve) => setImmediate(resolve));
        controller.enqueue(encoder.encode('chunk-2\n'));
        controller.close();
      },
    });
    return new Response(body, { headers: { 'content-type': 'text/plain; charset=utf-8' } });
  },
  fail: (request, session) => {
    session.set(query(request, 'key'), query(request, 'value'));
    throw new Error('scenario failure after a write');
  },
};

type Context = { params: Promise<{ name: string }> };
type Handler = (request: NextRequest, context: Context) => Promise<Response>;

/** The Route Handler for one method: the scenario route named by the path, or a JSON 404. */
export function scenarioHandler(routes: 'GET' | 'POST'): Handler {
  const table = routes === 'GET' ? GET_ROUTES : POST_ROUTES;
  const handle = withSession<Context>(async (request, context, session) => {
    const route = table[(await context.params).name];
    return route === undefined ? respond(NOT_FOUND) : route(request, session as unknown as AnySession);
  });
  return async (request, context) => {
    // Off unless the process was started with DEMO_SCENARIO_ROUTES=1; then not even the session is opened.
    const { config } = await demoProcess().setup!;
    const known = Object.hasOwn(table, (await context.params).name);
    return config.scenarioRoutes && known ? handle(request, context) : respond(NOT_FOUND);
  };
}
