// Writes a sample log in the seed scenario's format: `write-sample-log.ts FILE [LINES] [--pods N] [--hostile SHARE]`.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { seedLogLines } from '../lib/sample/seed-log.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { pods: { type: 'string' }, hostile: { type: 'string' }, seed: { type: 'string' } },
});
const [file, countText = '20000'] = positionals;
if (!file) {
  console.error('usage: write-sample-log.ts FILE [LINES] [--pods N] [--hostile SHARE] [--seed N]');
  process.exit(2);
}
const pods = values.pods ? Array.from({ length: Number(values.pods) }, (_, i) => `10.244.0.${81 + i}`) : undefined;
const out = createWriteStream(file);
let chunk: string[] = [];
for (const line of seedLogLines(Number(countText), {
  podIps: pods, hostileShare: values.hostile ? Number(values.hostile) : 0.002, seed: values.seed ? Number(values.seed) : 1,
})) {
  chunk.push(line);
  if (chunk.length === 10_000) {
    if (!out.write(chunk.join('\n') + '\n')) await once(out, 'drain');
    chunk = [];
  }
}
if (chunk.length) out.write(chunk.join('\n') + '\n');
out.end();
await once(out, 'finish');
