// Hono on @hono/node-server with no session: the baseline of the Hono group.
import type { Server } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { announce, PORT } from './common.ts';

const app = new Hono();
app.get('/none', (c) => c.text('ok'));
app.get('/read', (c) => c.text('0'));
app.get('/write', (c) => c.text('1'));
const server = serve({ fetch: app.fetch, port: PORT, hostname: '127.0.0.1' }, () =>
  announce(server as Server),
);
