import type { NextConfig } from 'next';

const config: NextConfig = {
  // `tsc` checks the types (`pnpm typecheck`: tsc 7 has no JS API for Next's own check).
  typescript: { ignoreBuildErrors: true },
  poweredByHeader: false,
  devIndicators: false,
};

export default config;
