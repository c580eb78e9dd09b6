// Express with no session: the baseline of the Express group.
import express from 'express';
import { announce, PORT } from './common.ts';

const app = express();
app.get('/none', (_req, res) => {
  res.send('ok');
});
app.get('/read', (_req, res) => {
  res.send('0');
});
app.get('/write', (_req, res) => {
  res.send('1');
});
const server = app.listen(PORT, '127.0.0.1', () => announce(server));
