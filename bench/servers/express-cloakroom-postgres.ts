// Cloakroom on Express, postgres store.
import { serveCloakroom } from './apps/express.ts';

await serveCloakroom('postgres');
