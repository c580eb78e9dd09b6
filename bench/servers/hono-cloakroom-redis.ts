// Cloakroom on Hono (@hono/node-server), redis store.
import { serveCloakroom } from './apps/hono.ts';

await serveCloakroom('redis');
