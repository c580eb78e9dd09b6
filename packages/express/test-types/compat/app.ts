// Type test (scripts/type-fixtures.mjs): the compat entry types req.session as express-session's shape,
// with the data declared once on core's AppSession, each key optional. Each `@type-error` line must fail
// with exactly that code.
import { memoryStore } from '@cloakroom/session-core';
import { passportUser, session } from '@cloakroom/session-express/compat';
import express from 'express';
import express4 from 'express4';

declare module '@cloakroom/session-core' {
  interface AppSession {
    cart: string[];
    theme: 'light' | 'dark';
  }
}

const middleware = session({
  store: memoryStore(),
  secret: 'a secret of at least thirty-two bytes!!',
  user: passportUser,
});
for (const framework of [express, express4]) {
  const app = framework();
  app.use(middleware);
  app.post('/', (req, res) => {
    // Positive controls: plain properties, optional, with their declared types; the callback methods
    // return the session; the cookie is in milliseconds; the id is a string.
    const cart: string[] | undefined = req.session.cart;
    req.session.theme = 'dark';
    req.session.cart?.push('tea');
    delete req.session.theme;
    req.session.cookie.maxAge = 30 * 86_400_000;
    const id: string = req.sessionID === req.session.id ? req.sessionID : '';
    req.session.regenerate((error) => {
      if (error) throw error;
      req.session.save().touch().resetMaxAge();
    });
    // @type-error TS2322 'blue' is not a theme
    req.session.theme = 'blue';
    // @type-error TS2322 a cart holds strings
    req.session.cart = [1];
    // @type-error TS2540 the id is the session's, not the app's
    req.session.id = 'mine';
    // @type-error TS2540 originalMaxAge is read-only
    req.session.cookie.originalMaxAge = 1;
    // @type-error TS2322 maxAge is milliseconds, a number
    req.session.cookie.maxAge = '30d';
    res.json({ cart, id });
  });
}
