// Test helper: a fresh SQLite database file in its own temporary folder, removed after the test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TempDatabase {
  dir: string;
  url: string;
  remove(): void;
}

export function tempSqliteDatabase(name = 'envoy-lens'): TempDatabase {
  const dir = mkdtempSync(path.join(tmpdir(), `${name}-`));
  return { dir, url: `file:${path.join(dir, 'test.db')}`, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
