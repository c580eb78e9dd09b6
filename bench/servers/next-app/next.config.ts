import type { NextConfig } from 'next';

// The bench's Next.js app: three Route Handlers, with or without Cloakroom as BENCH_MODE says at run time.
// Its types are not checked by the build (tsc 7 has no JS API for Next's own check).
const config: NextConfig = {
  typescript: { ignoreBuildErrors: true },
  poweredByHeader: false,
  devIndicators: false,
};

export default config;
