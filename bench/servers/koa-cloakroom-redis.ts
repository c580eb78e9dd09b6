// Cloakroom on Koa, redis store.
import { serveCloakroom } from './apps/koa.ts';

await serveCloakroom('redis');
