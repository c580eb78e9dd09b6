// Compiled by `pnpm typecheck`, never run: an app that augments SessionData gets a typed req.session.
import { memoryStore } from '@cloakroom/session-core';
import { session } from '@cloakroom/session-express';
import express from 'express';
import express4 from 'express4';

declare module '@cloakroom/session-express' {
  interface SessionData {
    cart: string[];
    theme: 'light' | 'dark';
  }
}

for (const framework of [express, express4]) {
  const app = framework();
  app.use(session({ store: memoryStore(), secret: 'a secret of at least thirty-two bytes!!' }));
  app.get('/', async (req, res) => {
    const cart: string[] | undefined = await req.session.get('cart');
    req.session.set('theme', 'dark');
    req.session.set('cart', [...(cart ?? []), 'tea']);
    await req.session.update('cart', (items) => [...(items ?? []), 'cake']);
    // @ts-expect-error: 'blue' is not a theme
    req.session.set('theme', 'blue');
    // @ts-expect-error: unknown key
    req.session.set('unknown', 1);
    // @ts-expect-error: a cart holds strings
    req.session.set('cart', [1]);
    res.json({ cart });
  });
}
