// Type test (scripts/type-fixtures.mjs): with nothing declared, any key holds `unknown`.
import { createSessionManager, memoryStore, type SessionDataOf } from '@cloakroom/session-core';
import { csrf, session } from '@cloakroom/session-express';
import express from 'express';

const app = express();
const middleware = session({ store: memoryStore(), secret: 'a secret of at least thirty-two bytes!!' });
app.use(middleware);
app.use(express.urlencoded({ extended: false }), csrf({ allowedOrigins: ['https://admin.example'] }));
app.get('/', async (req, res) => {
  // Positive controls: any key, any JSON value, read back as unknown.
  const value: unknown = await req.session.get('anything');
  req.session.set('anything', { nested: true });
  // @type-error TS2322 values are unknown until narrowed
  const text: string | undefined = await req.session.get('anything');
  // @type-error TS2345 keys are strings
  await req.session.get(42);
  res.json({ value, text });
});
void middleware.manager.destroyUserSessions('ada');

// Core's SessionDataOf turns an interface (which has no index signature) into a data type argument.
interface Cart {
  items: string[];
}
// Positive control.
const carts = createSessionManager<SessionDataOf<Cart>>({ store: memoryStore(), secret: 'x'.repeat(32) });
const items: Promise<string[] | undefined> = carts.open({ cookie: '' }).session.get('items');
void items;
// @type-error TS2344 an interface as it is lacks the index signature
createSessionManager<Cart>({ store: memoryStore(), secret: 'x'.repeat(32) });
