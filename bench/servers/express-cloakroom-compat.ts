// Cloakroom's express-session-compatible middleware (@cloakroom/session-express/compat, issue 19) on
// Express, memory store: req.session's plain properties, saved before the head, as express-session does.
import type { RequestHandler } from 'express';
import express from 'express';
import { announce, cloakroomManager, PORT, text } from './common.ts';

// This TypeScript program also holds the native adapter's typing of req.session, which the compat
// entry types differently: the compat module is loaded untyped, and its session typed here by hand.
const { session } = (await import('@cloakroom/session-express/compat' as string)) as {
  session: (manager: unknown) => RequestHandler;
};
type Compat = { session: { n?: number } };

const app = express();
app.use(session(await cloakroomManager('memory')));
app.get('/none', (_req, res) => {
  res.send('ok');
});
app.get('/read', (req, res) => {
  res.send(text((req as unknown as Compat).session.n));
});
app.get('/write', (req, res) => {
  const data = (req as unknown as Compat).session;
  data.n = (data.n ?? 0) + 1;
  res.send(text(data.n));
});
const server = app.listen(PORT, '127.0.0.1', () => announce(server));
