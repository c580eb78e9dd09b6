// Cloakroom on Hono (@hono/node-server), memory store.
import type { Server } from 'node:net';
import { type SessionEnv, session } from '@cloakroom/session-hono';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { announce, cloakroomManager, PORT, text } from './common.ts';

const app = new Hono<SessionEnv<{ n: number }>>();
app.use(session(await cloakroomManager<{ n: number }>('memory')));
app.get('/none', (c) => c.text('ok'));
app.get('/read', async (c) => c.text(text(await c.get('session').get('n'))));
app.get('/write', async (c) => c.text(text(await c.get('session').update('n', (n) => (n ?? 0) + 1))));
const server = serve({ fetch: app.fetch, port: PORT, hostname: '127.0.0.1' }, () =>
  announce(server as Server),
);
