// Cloakroom on Koa, sealed cookies (no store; issue 18).
import { serveCloakroom } from './apps/koa.ts';

await serveCloakroom('sealed');
