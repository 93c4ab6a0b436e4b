// npm run bench: generates a 1,000,000-line log in the seed format and measures, in one run, the read floor, parse
// and import against their baselines. Each measurement runs in its own process; figures are printed, not asserted.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    'live-seconds': { type: 'string', default: '75' },
    'live-rate': { type: 'string', default: '5000' },
    scale: { type: 'boolean', default: false },
    records: { type: 'string', default: '10000000' },
    days: { type: 'string', default: '7' },
    backends: { type: 'string', default: 'sqlite,postgresql' },
  },
});
const root = path.resolve(import.meta.dirname, '..');
if (values.scale) {
  // --scale: the dashboard's queries over 10M records on each backend (scripts/bench/scale/).
  const { runScaleBench } = await import('./bench/scale/scale.ts');
  await runScaleBench(root, {
    records: Number(values.records), days: Number(values.days), runs: Number(values.runs === '3' ? 20 : values.runs),
    backends: values.backends.split(',').map((b) => b.trim()).filter(Boolean),
  });
  process.exit(0);
}
const lines = Number(values.lines);
const runs = Number(values.runs);
const dir = path.join(root, '.bench');
mkdirSync(dir, { recursive: true });
const log = path.join(dir, `seed-${lines}.log`);

if (!existsSync(log)) {
  console.log(`generating ${lines.toLocaleString('en-US')} lines (6 backend pods, 10% to the Service IP) …`);
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/write-sample-log.ts', log, String(lines), '--pods', '6', '--hostile', '0'],
    { cwd: root, stdio: 'inherit' });
}
const mb = statSync(log).size / 1e6;
console.log(`log: ${log} (${mb.toFixed(1)} MB, ${lines.toLocaleString('en-US')} lines)\n`);

interface TaskResult { items: number; seconds: number; note?: string }

function task(name: string): TaskResult {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/bench/tasks.ts', name, log, dir], { cwd: root, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as TaskResult;
}

/** The median rate over `runs` runs, as items per second. */
function measure(name: string): { rate: number; result: TaskResult } {
  const results = Array.from({ length: runs }, () => task(name));
  const rates = results.map((r) => r.items / r.seconds).sort((a, b) => a - b);
  return { rate: rates[Math.floor(rates.length / 2)]!, result: results[0]! };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const row = (label: string, rate: number, unit: string, extra = '') => console.log(`${label.padEnd(46)} ${fmt(rate).padStart(10)} ${unit}${extra}`);

const floor = measure('readline');
row('read floor: node:readline loop', floor.rate, 'lines/s');
const parse = measure('parse');
row('parse: envoy-lens format engine (seed format)', parse.rate, 'lines/s', `   ${(parse.rate / floor.rate * 100).toFixed(0)}% of the read floor (target ≥ 60%)`);
const raw = measure('raw-insert');
row('raw insert: better-sqlite3, one transaction', raw.rate, 'rows/s');
const imp = measure('import');
row('import: read + parse + store, end to end', imp.rate, 'rows/s', `   ${(imp.rate / raw.rate * 100).toFixed(0)}% of the raw insert (target ≥ 60%)`);
if (imp.result.note) console.log(`  ${imp.result.note}`);
// The analysis over every imported record (attributed as a collector would): its SQL aggregation alone is the baseline.
const cells = measure('analysis-cells');
row('analysis baseline: records counted per second (SQL)', cells.rate, 'records/s', `   ${cells.result.note ?? ''}`);
const analysis = measure('analysis');
row('analysis: every rule, balance and findings', analysis.rate, 'records/s', `   ${(analysis.rate / cells.rate * 100).toFixed(0)}% of the SQL count alone; ${analysis.result.note ?? ''}`);

// The live collector: the simulator in one process, `envoy-lens collect` in another.
function collectorTask(args: string[]): Record<string, any> {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/bench/collector.ts', ...args], { cwd: root, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}
const catchUps = Array.from({ length: runs }, () => collectorTask(['--task', 'catch-up', '--backlog', '300000']));
const catchUpRates = catchUps.map((r) => r.items / r.seconds).sort((a, b) => a - b);
const catchUp = catchUpRates[Math.floor(catchUpRates.length / 2)]!;
row('collector catch-up: simulator → database', catchUp, 'lines/s', `   ${(catchUp / imp.rate * 100).toFixed(0)}% of the file import (20 Envoys, 300k-line backlog)`);
const live = collectorTask(['--task', 'live', '--seconds', String(values['live-seconds']), '--lines-per-second', String(values['live-rate'])]);
const lag = live.lag ? `lag p50 ${live.lag.p50} ms, p95 ${live.lag.p95} ms, max ${live.lag.max} ms (target p95 < 500 ms)` : 'no lag measured';
row(`collector live at a fixed rate, ${values['live-seconds']} s`, live.linesPerSecond, 'lines/s', `   ${lag}`);
console.log(`\nmedian of ${runs} runs each (the live run once); each run in its own process; same machine, same run.`);
