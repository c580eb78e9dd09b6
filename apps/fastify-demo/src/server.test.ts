import { fileURLToPath } from 'node:url';
import { describeDemoSmoke } from 'demo-kit/smoke';

// Starts dist/server.js (build first) as real processes on free ports over one SQLite file.
describeDemoSmoke({ framework: 'Fastify', dir: fileURLToPath(new URL('..', import.meta.url)) });
