// One process of an update race (see update-race.ts): opens the store through the worker module,
// loads `count` handles of one session, says "ready", waits for "go" on stdin, runs one `update(+1)` per
// handle in parallel, commits them, and prints the answers as JSON on its last line.
import { createInterface } from 'node:readline';
import { createSessionManager, type SessionError } from '@cloakroom/session-core';
import { RACE_SECRET, type UpdateRaceWorker } from './update-race-shared.ts';

const [workerUrl, cookie, countText, ...args] = process.argv.slice(2);
const worker = (await import(workerUrl!)) as UpdateRaceWorker;
const opened = await worker.openStore(args);
const reported: string[] = [];
const manager = createSessionManager<{ n: number }>({
  store: opened.store,
  secret: RACE_SECRET,
  onError: (error: SessionError) => reported.push(error.code),
});
const handles = Array.from({ length: Number(countText) }, () => manager.open({ cookie, secure: true }));
for (const handle of handles) {
  if (!(await handle.session.exists()))
    throw new Error('update race: the seeded session is not visible here');
}
const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
for await (const line of lines) if (line === 'go') break;
lines.close();
const answers = await Promise.all(handles.map((handle) => handle.session.update('n', (n) => (n ?? 0) + 1)));
await Promise.all(handles.map((handle) => handle.commit({ status: 200 })));
await opened.close();
process.stdout.write(`${JSON.stringify({ answers, reported })}\n`);
