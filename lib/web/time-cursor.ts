// The Requests page's `before` parameter: where the previous page ended, as `<start ms>_<record id>` (`untimed_<id>`
// for a record without a start time). Checked like every query parameter: anything else is refused by name.
import { z } from 'zod';
import type { TimeCursor } from '../store/queries/records-by-time.ts';

export const formatTimeCursor = (c: TimeCursor): string => `${c.startMs ?? 'untimed'}_${c.id}`;

const MAX_MS = 8.64e15; // the ECMAScript date range

export const timeCursorSchema = z
  .string()
  // Record id 0: before every record of that millisecond (where a searched stretch of the window ended).
  .regex(/^(-?\d{1,16}|untimed)_(0|[1-9]\d{0,15})$/, 'expected <start ms>_<record id>, as the Older link writes it')
  .transform((s, ctx): TimeCursor => {
    const [t, id] = s.split('_') as [string, string];
    const startMs = t === 'untimed' ? null : Number(t);
    if ((startMs !== null && Math.abs(startMs) > MAX_MS) || !Number.isSafeInteger(Number(id))) {
      ctx.addIssue({ code: 'custom', message: 'the start time or the record id is out of range' });
      return z.NEVER;
    }
    return { startMs, id: Number(id) };
  });
