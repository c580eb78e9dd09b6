import { shared } from '../../../lib/shared';

// Test hooks of the test app. They answer only when the test runner started the app with
// CLOAKROOM_TEST_HOOKS=1; this directory is not part of the published package (files: dist).
function enabled(): boolean {
  return process.env.CLOAKROOM_TEST_HOOKS === '1';
}

export async function GET(_request: Request, { params }: { params: Promise<{ op: string }> }) {
  if (!enabled()) return new Response('Not Found', { status: 404 });
  const state = shared();
  switch ((await params).op) {
    case 'calls':
      return Response.json(state.store.calls());
    case 'clock':
      return Response.json({ now: state.now() });
    case 'reported':
      return Response.json({ reported: state.reported });
    default:
      return new Response('Not Found', { status: 404 });
  }
}

export async function POST(request: Request, { params }: { params: Promise<{ op: string }> }) {
  if (!enabled()) return new Response('Not Found', { status: 404 });
  const state = shared();
  switch ((await params).op) {
    case 'clock': {
      const { now } = (await request.json()) as { now: number };
      state.current = now;
      return Response.json({ now: state.now() });
    }
    case 'reset-calls':
      state.store.resetCalls();
      state.reported.length = 0;
      return Response.json({ ok: true });
    case 'store': {
      // The suite's `store` hook: a store call made on the app's own (uncounted) store.
      const { method, args } = (await request.json()) as { method: string; args: unknown[] };
      const store = state.base as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
      if (!['get', 'create', 'set', 'touch', 'delete'].includes(method)) {
        return new Response('Bad Request', { status: 400 });
      }
      const result = await store[method]!.apply(state.base, args);
      return Response.json({ result: result ?? null });
    }
    default:
      return new Response('Not Found', { status: 404 });
  }
}
