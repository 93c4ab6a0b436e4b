import { defineConfig } from 'prisma/config';

// The CLI is used only for `prisma generate`; migrations run through lib/store/migrate.ts on the wasm
// schema engine, because the CLI's migrate commands need a native engine that cannot be downloaded here.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'file:./data/envoy-lens.db' },
});
