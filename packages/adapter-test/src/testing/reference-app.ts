// The scenario app on bare node:http and core, with no framework: it proves the suite itself (each
// scenario passes against an app that does exactly what the README's route table says).
import { type IncomingMessage, STATUS_CODES } from 'node:http';
import {
  applyToNodeResponse,
  createSessionManager,
  isSafeMethod,
  SessionError,
  type SessionManagerOptions,
  verifyCsrf,
} from '@cloakroom/session-core';
import { holdAtGate } from '../gate.ts';
import type { AppInstance } from '../targets.ts';
import { listen } from '../test-server.ts';

const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

async function readBody(req: IncomingMessage): Promise<{ type: string; fields: Record<string, unknown> }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString();
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
  if (type === 'application/json') return { type, fields: JSON.parse(text) as Record<string, unknown> };
  if (type === 'application/x-www-form-urlencoded')
    return { type, fields: Object.fromEntries(new URLSearchParams(text)) };
  return { type, fields: {} };
}

export function startReferenceApp(options: SessionManagerOptions): Promise<AppInstance> {
  const manager = createSessionManager(options);
  return listen(async (req, res) => {
    const handle = manager.open({ cookie: req.headers.cookie, secure: false });
    const session = handle.session;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const key = url.searchParams.get('key') ?? '';
    const value = url.searchParams.get('value') ?? '';
    const head = async (status: number, headers: Record<string, string>): Promise<void> => {
      applyToNodeResponse(res, await handle.commit({ status }));
      res.writeHead(status, headers);
    };
    const json = async (body: unknown, status = 200): Promise<void> => {
      await head(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      const method = req.method ?? 'GET';
      const body = await readBody(req);
      if (!isSafeMethod(method)) {
        const token = body.fields._csrf ?? req.headers['x-csrf-token'];
        const ok = await verifyCsrf(session, {
          method,
          origin: req.headers.origin,
          secFetchSite: req.headers['sec-fetch-site'] as string | undefined,
          selfOrigin: `http://${req.headers.host}`,
          token,
          requireToken: FORM_TYPES.has(body.type),
        });
        if (!ok) throw new SessionError('SESSION_CSRF', 'refused', { status: 403 });
      }
      switch (`${method} ${url.pathname}`) {
        case 'GET /none':
          res.writeHead(200, { 'content-type': 'text/plain' }).end('none');
          return;
        case 'GET /get':
          return await json((await session.exists()) ? { value: await session.get(key) } : { value: null });
        case 'POST /set':
          for (const [name, item] of Object.entries(body.fields)) session.set(name, item);
          return await json({ ok: true });
        case 'POST /increment':
          return await json({ value: await session.update(key, (n) => Number(n ?? 0) + 1) });
        case 'POST /regenerate':
          await holdAtGate(session, url.searchParams.get('gate'));
          session.regenerate();
          return await json({ ok: true });
        case 'POST /destroy':
          session.destroy();
          return await json({ ok: true });
        case 'POST /login':
          session.setUser(String(body.fields.user));
          session.regenerate();
          return await json({ ok: true });
        case 'GET /user':
          return await json({ user: await session.getUser() });
        case 'POST /flash':
          session.flash('message', body.fields.message);
          return await json({ ok: true });
        case 'GET /flash':
          return await json({ messages: await session.consumeFlash('message') });
        case 'GET /csrf-token':
          return await json({ token: await session.csrfToken() });
        case 'POST /form':
          session.set('form', body.fields.value);
          return await json({ ok: true });
        case 'POST /write-redirect':
          session.set(key, value);
          await head(302, { location: `/get?key=${encodeURIComponent(key)}` });
          res.end();
          return;
        case 'POST /stream':
          session.set(key, value);
          await head(200, { 'content-type': 'text/plain' });
          res.write('chunk-1\n');
          await new Promise((resolve) => setImmediate(resolve));
          res.end('chunk-2\n');
          return;
        case 'POST /fail':
          session.set(key, value);
          throw new Error('the handler failed after a write');
        default:
          throw new SessionError('SESSION_USAGE', 'not found', { status: 404 });
      }
    } catch (error) {
      const status = error instanceof SessionError ? error.status : 500;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: STATUS_CODES[status] }));
    }
  });
}
