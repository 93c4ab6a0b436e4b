// @ts-check
/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native and Node-only packages stay out of the server bundle.
  serverExternalPackages: ['better-sqlite3', '@prisma/adapter-better-sqlite3', '@prisma/client', '@kubernetes/client-node'],
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;
