import Fastify from 'fastify';
import { memoryStore } from '@cloakroom/session-core';
import { session } from '@cloakroom/session-fastify';
const bare = async () => { const a = Fastify(); a.get('/none', async () => 'none'); await a.ready(); return a; };
const withS = async () => { const a = Fastify(); await a.register(session, { store: memoryStore({ warn: false }), secret: 'x'.repeat(32) }); a.get('/none', async () => 'none'); await a.ready(); return a; };
async function run(app, n) { const t = performance.now(); for (let i = 0; i < n; i++) await app.inject({ url: '/none', headers: { cookie: 'a=b' } }); return performance.now() - t; }
const a = await bare(), b = await withS();
const xs=[],ys=[]; for (let i = 0; i < 12; i++) { xs.push(await run(a, 5000)); ys.push(await run(b, 5000)); } console.log("min bare", Math.min(...xs).toFixed(0), "min session", Math.min(...ys).toFixed(0), (Math.min(...xs)/Math.min(...ys)).toFixed(3));
