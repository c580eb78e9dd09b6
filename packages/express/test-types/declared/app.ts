// Type test (scripts/type-fixtures.mjs): the app declares its data once, on core's AppSession, and
// `req.session` follows on Express 5 and 4. Each `@type-error` line must fail with exactly that code.
import { memoryStore } from '@cloakroom/session-core';
import { session } from '@cloakroom/session-express';
import express from 'express';
import express4 from 'express4';

declare module '@cloakroom/session-core' {
  interface AppSession {
    cart: string[];
    theme: 'light' | 'dark';
  }
}

const middleware = session({ store: memoryStore(), secret: 'a secret of at least thirty-two bytes!!' });
for (const framework of [express, express4]) {
  const app = framework();
  app.use(middleware);
  app.get('/', async (req, res) => {
    // Positive controls: the declared keys, with their declared types.
    const cart: string[] | undefined = await req.session.get('cart');
    req.session.set('theme', 'dark');
    await req.session.update('cart', (items = []) => [...items, 'cake']);
    // @type-error TS2345 a misspelled key
    await req.session.get('crat');
    // @type-error TS2345 a misspelled key
    req.session.set('crat', []);
    // @type-error TS2345 'blue' is not a theme
    req.session.set('theme', 'blue');
    // @type-error TS2322 a cart holds strings
    req.session.set('cart', [1]);
    // @type-error TS2322 a read is typed, not unknown
    const theme: number | undefined = await req.session.get('theme');
    res.json({ cart, theme });
  });
}

// The manager is typed by the same declaration.
void middleware.manager.destroyUserSessions('ada');
