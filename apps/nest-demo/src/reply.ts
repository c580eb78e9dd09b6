import { type Outcome, perform } from 'demo-kit';
import type { Response } from 'express';

/** Sends a demo-kit `Outcome`: a redirect (303 to `/` after a form post), an empty 204, or JSON. */
export function reply(res: Response, outcome: Outcome): void {
  if (outcome.location !== undefined) res.redirect(outcome.status, outcome.location);
  else if (outcome.body === undefined) res.status(outcome.status).end();
  else res.status(outcome.status).json(outcome.body);
}

/**
 * Runs a POST handler and answers: its result as JSON (204 for none), or `303 /` for a form post from the
 * page, where a client error (a wrong password) shows as a flash message on `session`.
 */
export async function answer(
  res: Response,
  session: { flash(key: string, value: unknown): void },
  contentType: string | undefined,
  handler: () => Promise<unknown>,
): Promise<void> {
  reply(res, await perform(session, contentType, handler));
}
