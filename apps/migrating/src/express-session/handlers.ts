// The app's handlers, written against express-session's req.session: the same file serves the app
// before the move (before.ts) and after it on the compatible mode (compat.ts), untouched.
// #region handlers
import { Router } from 'express';

export const handlers = Router();

handlers.post('/sign-in', (req, res, next) => {
  // after checking the password
  req.session.regenerate((error) => {
    if (error) return next(error);
    req.session.user = 'ada';
    res.json({ ok: true });
  });
});

handlers.get('/me', (req, res) => {
  if (req.session.user) req.session.visits = (req.session.visits ?? 0) + 1;
  res.json({ user: req.session.user ?? null, visits: req.session.visits ?? 0 });
});

handlers.post('/sign-out', (req, res, next) => {
  req.session.destroy((error) => {
    if (error) return next(error);
    res.clearCookie('sid');
    res.json({ ok: true });
  });
});
// #endregion
