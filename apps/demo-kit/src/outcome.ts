import { STATUS_CODES } from 'node:http';
import { DemoError, FLASH_KEY } from './actions.ts';

/** What a demo answers, in framework-neutral terms: each demo turns it into its framework's response. */
export interface Outcome {
  readonly status: number;
  /** JSON body; none for 204 and redirects. */
  readonly body?: unknown;
  /** Redirect target (with status 303). */
  readonly location?: string;
}

const HOME: Outcome = { status: 303, location: '/' };

/** The answer to an unknown route. */
export const NOT_FOUND: Outcome = { status: 404, body: { error: 'Not found.' } };

/**
 * Whether a request body is an HTML form post (answered with a redirect to `/`, not JSON).
 * @example
 * isFormPost(req.headers['content-type']); // true for application/x-www-form-urlencoded
 */
export function isFormPost(contentType: string | null | undefined): boolean {
  return /^\s*(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(contentType ?? '');
}

/**
 * Runs one POST handler and says how to answer. A JSON request gets the handler's result (200), or 204
 * when it resolves nothing. A form post from the page gets `303 See Other` to `/`; when it fails with a
 * {@link DemoError} (a wrong password, an empty item) the message is flashed on `session` and shown on
 * the page.
 * @throws whatever else the handler throws (store down, a bug): pass it to the framework's error path,
 *   whose handler answers with {@link errorOutcome}.
 * @example
 * app.post('/api/count', async (req, res) => {
 *   const outcome = await perform(req.session, req.get('content-type'), async () => ({
 *     count: await req.session.update('count', (count = 0) => count + 1),
 *   }));
 *   send(res, outcome);
 * });
 */
export async function perform(
  session: { flash(key: string, value: unknown): void },
  contentType: string | null | undefined,
  handler: () => Promise<unknown>,
): Promise<Outcome> {
  const form = isFormPost(contentType);
  try {
    const result = await handler();
    if (form) return HOME;
    return result === undefined ? { status: 204 } : { status: 200, body: result };
  } catch (error) {
    if (!form || !(error instanceof DemoError)) throw error;
    session.flash(FLASH_KEY, error.message);
    return HOME;
  }
}

function statusOf(error: unknown): number {
  const { status, statusCode } = (typeof error === 'object' && error !== null ? error : {}) as {
    status?: unknown;
    statusCode?: unknown;
  };
  const value = typeof status === 'number' ? status : statusCode;
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599 ? value : 500;
}

/**
 * The error handler's answer, `{ "error": "..." }` with the error's status: a {@link DemoError}'s own;
 * 503 for a store that is down (a `SessionStoreError`, or Hono's `HTTPException(503)` around it); 403
 * for a refused CSRF check; the framework's 4xx (a malformed JSON body is 400). Server faults never show
 * their message; they are logged here.
 * @example
 * app.use((error, req, res, next) => { const { status, body } = errorOutcome(error); res.status(status).json(body); });
 */
export function errorOutcome(error: unknown): Outcome {
  if (error instanceof DemoError) return { status: error.status, body: { error: error.message } };
  const status = statusOf(error);
  if (status === 503) {
    // Not logged here: the session manager's onEvent already reported the store failure (one line per 503).
    return { status, body: { error: 'The session store is unavailable; try again shortly.' } };
  }
  if (status >= 500) {
    console.error(error);
    return { status, body: { error: STATUS_CODES[status] ?? 'Server error' } };
  }
  const message =
    error instanceof Error && error.message !== '' ? error.message : (STATUS_CODES[status] ?? 'Error');
  return { status, body: { error: message } };
}
