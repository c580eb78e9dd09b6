// The Cloakroom app on Express that every express-cloakroom-<kind> variant serves.
import { session } from '@cloakroom/session-express';
import express from 'express';
import { announce, type CloakroomKind, cloakroomManager, PORT, text } from '../common.ts';

/** Serves /none, /read and /write with Cloakroom on `kind`, and tells the harness the port. */
export async function serveCloakroom(kind: CloakroomKind): Promise<void> {
  const app = express();
  app.use(session(await cloakroomManager(kind)));
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
}
