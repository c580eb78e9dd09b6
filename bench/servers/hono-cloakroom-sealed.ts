// Cloakroom on Hono (@hono/node-server), sealed cookies (no store; issue 18).
import { serveCloakroom } from './apps/hono.ts';

await serveCloakroom('sealed');
