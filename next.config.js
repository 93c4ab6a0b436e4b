// @ts-check
/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native and Node-only packages stay out of the server bundle.
  serverExternalPackages: [
    'better-sqlite3', '@prisma/adapter-better-sqlite3', '@prisma/client',
    '@prisma/driver-adapter-utils', '@prisma/adapter-pg', 'pg', '@kubernetes/client-node', 'undici',
  ],
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;
