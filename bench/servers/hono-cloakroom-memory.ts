// Cloakroom on Hono (@hono/node-server), memory store.
import { serveCloakroom } from './apps/hono.ts';

await serveCloakroom('memory');
