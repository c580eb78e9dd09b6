// Cloakroom on Express, redis store.
import { serveCloakroom } from './apps/express.ts';

await serveCloakroom('redis');
