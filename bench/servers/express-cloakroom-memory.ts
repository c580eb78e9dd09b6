// Cloakroom on Express, memory store.
import { serveCloakroom } from './apps/express.ts';

await serveCloakroom('memory');
