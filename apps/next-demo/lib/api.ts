// The JSON API's glue: each Route Handler is withSession() around one of ./handlers.ts, so the session,
// its cookie, the CSRF check (403 for a foreign Origin or a form post without the token) and the 503 of
// a store outage come from the adapter, and the answers from demo-kit's outcomes.
import type { Session } from '@cloakroom/session-core';
import { type DemoData, DemoError, errorOutcome, type Outcome, perform } from 'demo-kit';
import type { NextRequest } from 'next/server';
import { withSession } from './session';

/** demo-kit's framework-neutral outcome as a Fetch API Response. */
export function respond(outcome: Outcome): Response {
  if (outcome.location !== undefined) {
    return new Response(null, { status: outcome.status, headers: { location: outcome.location } });
  }
  if (outcome.body === undefined) return new Response(null, { status: outcome.status });
  return Response.json(outcome.body, { status: outcome.status });
}

/** The request body: JSON, or a form's text fields; none when empty. */
async function bodyOf(request: NextRequest): Promise<unknown> {
  const type = request.headers.get('content-type') ?? '';
  if (/^\s*(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)) {
    const form = await request.formData();
    return Object.fromEntries([...form].filter(([, value]) => typeof value === 'string'));
  }
  const text = await request.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DemoError(400, 'The request body is not valid JSON.');
  }
}

type Handler = (request: NextRequest, context: unknown) => Promise<Response>;

/**
 * A POST route: `handler` gets the request's session, the parsed body and the request. JSON answers, or
 * 303 / for a form post from a page (a client error then shows as a flash message).
 */
export function post(
  handler: (session: Session<DemoData>, body: unknown, request: NextRequest) => Promise<unknown>,
): Handler {
  return withSession(async (request, _context, session) => {
    try {
      const body = await bodyOf(request);
      const type = request.headers.get('content-type');
      return respond(await perform(session, type, () => handler(session, body, request)));
    } catch (error) {
      return respond(errorOutcome(error));
    }
  });
}

/** A GET route answering what `read` resolves from the request's session, as JSON. */
export function get(read: (session: Session<DemoData>) => Promise<unknown>): Handler {
  return withSession(async (_request, _context, session) => {
    try {
      return Response.json(await read(session));
    } catch (error) {
      return respond(errorOutcome(error));
    }
  });
}
