import type { NextConfig } from 'next';

// The Next.js app of the hostile-header and flood tests: two Route Handlers over @cloakroom/session-next.
const config: NextConfig = {
  typescript: { ignoreBuildErrors: true },
  poweredByHeader: false,
  devIndicators: false,
};

export default config;
