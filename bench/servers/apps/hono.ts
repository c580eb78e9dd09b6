// The Cloakroom app on Hono (@hono/node-server) that every hono-cloakroom-<kind> variant serves.
import type { Server } from 'node:net';
import { type SessionEnv, session } from '@cloakroom/session-hono';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { announce, type CloakroomKind, cloakroomManager, PORT, text } from '../common.ts';

/** Serves /none, /read and /write with Cloakroom on `kind`, and tells the harness the port. */
export async function serveCloakroom(kind: CloakroomKind): Promise<void> {
  const app = new Hono<SessionEnv<{ n: number }>>();
  app.use(session(await cloakroomManager<{ n: number }>(kind)));
  app.get('/none', (c) => c.text('ok'));
  app.get('/read', async (c) => c.text(text(await c.get('session').get('n'))));
  app.get('/write', async (c) => c.text(text(await c.get('session').update('n', (n) => (n ?? 0) + 1))));
  const server = serve({ fetch: app.fetch, port: PORT, hostname: '127.0.0.1' }, () =>
    announce(server as Server),
  );
}
