// The PostgreSQL driver adapter, prepared for Prisma's wasm schema engine (see lib/store/migrate.ts): two fixes.
// 1. The engine's introspection reads columns of type "char" (oid 18), which the adapter cannot map: read them as text.
// 2. The adapter's own shadow database is dropped before its pool is closed, so the DROP fails ("being accessed by
//    other users") and the database is left behind. Here the shadow's pool is closed first.
import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter } from '@prisma/driver-adapter-utils';
import { pgConfigFrom } from './pg-config.ts';

const CHAR_OID = 18;
const TEXT_OID = 25;
const patched = new WeakSet<object>();

function readCharAsText(adapter: SqlDriverAdapter): void {
  // performIO lives on the adapter's base class, shared by connections and transactions.
  let proto = Object.getPrototypeOf(adapter) as { performIO?: (q: unknown) => Promise<{ fields: { dataTypeID: number }[] }> } | null;
  while (proto && !Object.hasOwn(proto, 'performIO')) proto = Object.getPrototypeOf(proto);
  if (!proto || patched.has(proto)) return;
  const performIO = proto.performIO!;
  proto.performIO = async function (this: unknown, query: unknown) {
    const result = await performIO.call(this, query);
    for (const field of result?.fields ?? []) if (field.dataTypeID === CHAR_OID) field.dataTypeID = TEXT_OID;
    return result;
  };
  patched.add(proto);
}

export function postgresMigrationFactory(databaseUrl: string, opened: SqlDriverAdapter[]): PrismaPg {
  const config = pgConfigFrom(databaseUrl, { max: 2 });
  const factory = new PrismaPg(config);
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = await connect();
    readCharAsText(adapter);
    opened.push(adapter);
    return adapter;
  };
  factory.connectToShadowDb = async () => {
    const admin = await connect();
    const database = `envoy_lens_shadow_${randomUUID().replace(/-/g, '')}`;
    await admin.executeScript(`CREATE DATABASE "${database}"`);
    const shadow = await new PrismaPg({ ...config, database }).connect();
    readCharAsText(shadow);
    const dispose = shadow.dispose.bind(shadow);
    let disposed = false;
    shadow.dispose = async () => {
      if (disposed) return;
      disposed = true;
      await dispose();
      await admin.executeScript(`DROP DATABASE IF EXISTS "${database}"`);
      await admin.dispose();
    };
    opened.push(shadow);
    return shadow;
  };
  return factory;
}
