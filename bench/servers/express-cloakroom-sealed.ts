// Cloakroom on Express, sealed cookies (no store; issue 18).
import { serveCloakroom } from './apps/express.ts';

await serveCloakroom('sealed');
