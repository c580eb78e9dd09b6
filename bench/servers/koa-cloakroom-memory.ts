// Cloakroom on Koa, memory store.
import { serveCloakroom } from './apps/koa.ts';

await serveCloakroom('memory');
