import type { NextConfig } from 'next';

const config: NextConfig = {
  // demo-kit opens the store with Node's own loader (node:sqlite, pg, mysql2, ioredis, memcache-client,
  // imported only for the store in use) and server.ts shares that very module instance, so the process
  // holds one store: bundling would give proxy.ts and the App Router copies of their own.
  serverExternalPackages: ['demo-kit', '@cloakroom/session-core'],
  // `tsc` checks the types (`pnpm typecheck`: tsc 7 has no JS API for Next's own check).
  typescript: { ignoreBuildErrors: true },
  poweredByHeader: false,
  devIndicators: false,
};

export default config;
