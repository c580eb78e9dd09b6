// Cloakroom on Express, memory store.
import { session } from '@cloakroom/session-express';
import express from 'express';
import { announce, cloakroomManager, PORT, text } from './common.ts';

const app = express();
app.use(session(await cloakroomManager('memory')));
app.get('/none', (_req, res) => {
  res.send('ok');
});
app.get('/read', async (req, res) => {
  res.send(text(await req.session.get('n')));
});
app.get('/write', async (req, res) => {
  res.send(text(await req.session.update('n', (n) => Number(n ?? 0) + 1)));
});
const server = app.listen(PORT, '127.0.0.1', () => announce(server));
