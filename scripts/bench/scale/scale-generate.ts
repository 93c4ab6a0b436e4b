// Writes the scale bench's records into DATABASE_URL (a child process of scale.ts).
import { parseArgs } from 'node:util';
import { loadSettings } from '../../../lib/settings.ts';
import { writeScaleData } from './scale-data.ts';

const { values } = parseArgs({ options: { records: { type: 'string' }, days: { type: 'string' }, 'end-ms': { type: 'string' }, leak: { type: 'string', default: '0.1' } } });
await writeScaleData(loadSettings().databaseUrl, {
  records: Number(values.records), days: Number(values.days), endMs: Number(values['end-ms']), leakShare: Number(values.leak),
}, console.log);
