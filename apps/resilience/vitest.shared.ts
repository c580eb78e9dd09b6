import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// @cloakroom/session-kysely's package.json points at dist/index.js, but its tsdown build (platform
// 'node') writes dist/index.mjs, so Node cannot resolve the package (RELIABILITY.md, "Known issues").
// Until its build matches its exports, tests load its source; the alias goes away by itself once
// dist/index.js exists.
const kyselyDist = fileURLToPath(new URL('../../packages/kysely/dist/index.js', import.meta.url));
const kyselySource = fileURLToPath(new URL('../../packages/kysely/src/index.ts', import.meta.url));

/** Resolve aliases shared by both configs. */
export const alias: Record<string, string> = existsSync(kyselyDist)
  ? {}
  : { '@cloakroom/session-kysely': kyselySource };
