// The smallest Cloakroom app: plain node:http, the memory store, a visit counter and a sign-in.
// Run it with `pnpm example` from the repository root, then open http://localhost:3000.
import { createServer } from 'node:http';
import { createSessionManager, memoryStore, SessionError } from '@cloakroom/session-core';

const secret = process.env.SESSION_SECRET ?? 'development-only-secret-change-me-0123456789';
if (!process.env.SESSION_SECRET)
  console.warn('example: using a development SESSION_SECRET; set your own in production');

const sessions = createSessionManager({
  store: memoryStore(),
  secret,
  // Plain HTTP on localhost: a production app keeps the default (Secure, __Host- name).
  cookie: { secure: false },
});

const server = createServer(async (req, res) => {
  const handle = sessions.open({ cookie: req.headers.cookie, secure: false });
  const { session } = handle;
  try {
    let body;
    if (req.method === 'POST' && req.url === '/login') {
      session.regenerate();
      session.setUser('alice');
      session.flash('notice', 'Welcome, alice');
      res.statusCode = 303;
      res.setHeader('Location', '/');
    } else if (req.method === 'POST' && req.url === '/logout') {
      session.destroy();
      res.statusCode = 303;
      res.setHeader('Location', '/');
    } else if (req.url === '/') {
      const visits = await session.update('visits', (n) => (n ?? 0) + 1);
      const user = await session.getUser();
      const notices = await session.consumeFlash('notice');
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      body = `<!doctype html><title>Cloakroom</title>
<p>${notices.map((n) => `<strong>${n}</strong>`).join(' ')}</p>
<p>Visits in this session: ${visits}</p>
<p>Signed in as: ${user ?? 'nobody'}</p>
<form method="post" action="${user ? '/logout' : '/login'}"><button>${user ? 'Sign out' : 'Sign in as alice'}</button></form>`;
    } else {
      res.statusCode = 404;
      body = 'not found';
    }
    // Commit before the head goes out: the store write is done when the client sees the response.
    const { setCookie, headers } = await handle.commit({ status: res.statusCode });
    if (setCookie) res.setHeader('Set-Cookie', setCookie);
    for (const [name, value] of headers) res.setHeader(name, value);
    res.end(body);
  } catch (error) {
    const status = error instanceof SessionError ? error.status : 500;
    res.statusCode = status;
    res.end(status === 503 ? 'Session store unavailable' : 'Internal error');
  }
});

const port = Number(process.env.PORT ?? 3000);
server.listen(port, () => console.log(`example: http://localhost:${port}`));
