import type { NextConfig } from 'next';

// The test app of @cloakroom/session-next. Its types are checked by the package's `typecheck` script
// (tsc 7 has no JS API for Next's own check), so the build skips that step.
const config: NextConfig = {
  typescript: { ignoreBuildErrors: true },
  poweredByHeader: false,
  // The tests own their ports and processes; nothing phones home.
  devIndicators: false,
};

export default config;
