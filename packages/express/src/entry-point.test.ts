// Issue 16: every adapter's session() takes options or a ready manager the same way.
import { createSessionManager, memoryStore } from '@cloakroom/session-core';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { session } from './session.ts';

describe('session(manager)', () => {
  it('shares a ready manager as is: its store, its cookie, its user operations', async () => {
    const manager = createSessionManager({
      store: memoryStore({ warn: false }),
      secret: 'express-entry-point-secret-0123456789abcdef',
      cookie: { name: 'sid', secure: false },
    });
    const middleware = session(manager);
    expect(middleware.manager).toBe(manager);
    const app = express();
    app.use(middleware);
    app.post('/in', (req, res) => {
      req.session.setUser('ada');
      res.json({ ok: true });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/in`, { method: 'POST' });
      expect(response.headers.getSetCookie()[0]).toMatch(/^sid=/);
      expect(await manager.listUserSessions('ada')).toHaveLength(1);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
