// Type test (scripts/type-fixtures.mjs): an app that still augments the adapter's own (deprecated)
// SessionData gets a typed `req.session`, as before core's AppSession existed.
import { memoryStore } from '@cloakroom/session-core';
import { session } from '@cloakroom/session-express';
import express from 'express';

declare module '@cloakroom/session-express' {
  interface SessionData {
    cart: string[];
  }
}

const app = express();
app.use(session({ store: memoryStore(), secret: 'a secret of at least thirty-two bytes!!' }));
app.get('/', async (req, res) => {
  // Positive control.
  const cart: string[] | undefined = await req.session.get('cart');
  // @type-error TS2345 a misspelled key
  req.session.set('crat', []);
  res.json({ cart });
});
