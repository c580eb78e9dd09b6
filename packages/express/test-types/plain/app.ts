// Compiled by `pnpm typecheck`, never run: without an augmentation any key holds `unknown`.
import { memoryStore } from '@cloakroom/session-core';
import { csrf, session } from '@cloakroom/session-express';
import express from 'express';

const app = express();
const middleware = session({ store: memoryStore(), secret: 'a secret of at least thirty-two bytes!!' });
app.use(middleware);
app.use(express.urlencoded({ extended: false }), csrf({ allowedOrigins: ['https://admin.example'] }));
app.get('/', async (req, res) => {
  const value: unknown = await req.session.get('anything');
  req.session.set('anything', { nested: true });
  // @ts-expect-error: values are unknown until narrowed
  const text: string = await req.session.get('anything');
  res.json({ value, text });
});
void middleware.manager.destroyUserSessions('ada');
