import type { Outcome } from 'demo-kit';
import type { Response } from 'express';

/** Sends a demo-kit `Outcome`: a redirect (303 to `/` after a form post), an empty 204, or JSON. */
export function reply(res: Response, outcome: Outcome): void {
  if (outcome.location !== undefined) res.redirect(outcome.status, outcome.location);
  else if (outcome.body === undefined) res.status(outcome.status).end();
  else res.status(outcome.status).json(outcome.body);
}
