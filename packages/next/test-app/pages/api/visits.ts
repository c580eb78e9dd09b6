import { withSessionApiRoute } from '../../lib/session';

// A Pages Router API route: the head waits for the commit, whichever way the handler answers.
export default withSessionApiRoute(async (req, res, session) => {
  const visits = await session.update('visits', (current) => (typeof current === 'number' ? current : 0) + 1);
  if (req.query.then === 'redirect') {
    res.redirect(303, '/get?key=visits');
    return;
  }
  if (req.query.then === 'save') {
    await session.save();
    res.setHeader('X-Saved', 'yes');
  }
  res.status(200).json({ visits });
});
