import type { ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import {
  type AppSessionData,
  applyToNodeResponse,
  type CommitResult,
  type Session,
  type SessionData,
} from '@cloakroom/session-core';
import { holdResponse } from '@cloakroom/session-core/node';
import type { NextApiRequest, NextApiResponse } from 'next';
import { type Adapter, answerable, newState, writableOf } from './context.ts';
import { csrfAllows, isSecure } from './request.ts';
import { CSRF_REFUSED, csrfFor, type WithSessionOptions } from './route-handler.ts';

/** A Pages Router API route that gets the request's session (typed by core's `AppSession`) as its third argument. */
export type SessionApiHandler<Data extends SessionData = AppSessionData, Body = unknown> = (
  req: NextApiRequest,
  res: NextApiResponse<Body>,
  session: Session<Data>,
) => unknown | Promise<unknown>;

/** Sets our cookies (replacing values set earlier in this request) and the caching headers. */
function applyToResponse(res: ServerResponse, result: CommitResult): void {
  if (!res.headersSent) applyToNodeResponse(res, result);
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // The held response is discarded with its headers (its Content-Length, ETag, cookies...).
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'private, no-store');
  res.end(JSON.stringify(body));
}

export function withSessionApiRouteFor<Data extends SessionData>(
  adapter: Adapter<Data>,
): <Body = unknown>(
  handler: SessionApiHandler<Data, Body>,
  options?: WithSessionOptions,
) => (req: NextApiRequest, res: NextApiResponse<Body>) => Promise<void> {
  return (handler, options = {}) => {
    const csrf = csrfFor(adapter, options.csrf, 'withSessionApiRoute({ csrf })');
    return async (req, res) => {
      const header = (name: string): string | null => {
        const value = req.headers[name];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      };
      const encrypted = (req.socket as TLSSocket | undefined)?.encrypted === true;
      const handle = adapter.manager.open({
        cookie: header('cookie'),
        secure: isSecure(header, adapter.trustProxy, encrypted),
        canSetCookie: true,
      });
      const state = newState(handle, 'api', async () => {
        applyToResponse(res, await handle.commit());
      });
      const session = writableOf(state);
      // Core's Node holder: res.json() / res.send() / res.redirect() write the head at once, a commit is
      // asynchronous. A failed commit drops the held response; settle() rethrows it for the answer below.
      const failures: unknown[] = [];
      const held = holdResponse(res, handle, {
        onFailure: (error) => failures.push(error),
        onLateFailure: (error) => {
          const known = answerable(error);
          if (known !== null) adapter.report(known);
        },
        guardHeadersSent: false,
      });
      const gate = {
        async settle(): Promise<void> {
          await held.settled();
          held.release();
          if (failures.length > 0) throw failures.shift();
        },
      };
      try {
        if (csrf !== null) {
          const allowed = await csrfAllows(
            session,
            {
              method: req.method ?? 'GET',
              header,
              trustProxy: adapter.trustProxy,
              encrypted,
              // Next's body parser has run: a urlencoded form is an object by now.
              bodyToken: async () => {
                const body: unknown = req.body;
                if (body === null || typeof body !== 'object' || !Object.hasOwn(body, csrf.field))
                  return undefined;
                return (body as Record<string, unknown>)[csrf.field];
              },
            },
            csrf,
          );
          if (!allowed) {
            await gate.settle();
            answer(res, 403, { error: CSRF_REFUSED.message });
            return;
          }
        }
        try {
          await adapter.scope.run(state, () => handler(req, res, session));
        } catch (error) {
          // A failed handler: nothing is saved (status 500) and Next answers with its error page.
          res.statusCode = Math.max(res.statusCode, 500);
          await gate.settle().catch(() => undefined);
          throw error;
        }
        await gate.settle();
      } catch (error) {
        const known = answerable(error);
        if (known === null) throw error;
        await gate.settle().catch(() => undefined);
        if (known.status >= 500) adapter.report(known);
        answer(res, known.status, {
          error: known.expose
            ? known.message
            : known.status === 503
              ? 'Service Unavailable'
              : 'Internal Server Error',
        });
      }
    };
  };
}
