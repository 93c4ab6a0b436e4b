// --since / --until: an ISO-8601 time, or a duration back from now (`90s`, `15m`, `2h`, `7d`).
import { UsageError } from './usage-error.ts';

const units: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseTimeOption(name: string, value: string, now = Date.now()): number {
  const rel = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(value.trim());
  if (rel) return now - Number(rel[1]) * units[rel[2]!]!;
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) || value.length === 10 ? value : `${value}Z`);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new UsageError(`${name} "${value}": expected an ISO-8601 time (2025-12-16T10:05:56Z) or a duration back from now (15m, 2h, 7d)`);
}
