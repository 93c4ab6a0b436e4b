// envoy-lens: the command line. Each command parses its arguments here and calls one function of lib/.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { EnvoyConfigError } from '../envoy/envoy-config.ts';
import { SourceConflictError } from '../ingest/import-lines.ts';
import { loadSettings } from '../settings.ts';
import { deployMigrations } from '../store/migrate.ts';
import { disconnectAll } from '../store/prisma-client.ts';
import { runExport, type ExportFormat } from './export-command.ts';
import { compiledFormatFrom } from './format-option.ts';
import { runImport } from './import-command.ts';
import { runParse } from './parse-command.ts';
import { runSimulate } from './simulate-command.ts';
import { preferSmallHeap, printCollectStatus, runCollect } from './collect-command.ts';
import { DEFAULT_CONTAINERS } from '../kube/collector.ts';
import { parseTimeOption } from './time-option.ts';
import { UsageError } from './usage-error.ts';
import { runCheck } from './check-command.ts';
import { runFindings } from './findings-command.ts';
import { runBalance } from './balance-command.ts';
import { runTrace } from './trace-command.ts';
import { runServe, serveAuthOptions } from './serve-command.ts';
import { isRuleCode, RULE_CODES } from '../analysis/rules.ts';
import { addRetentionOptions, givenRetentionFlags, registerPruneCommand, retentionFromFlags } from './prune-command.ts';
import { registerRollupsCommand } from './rollups-command.ts';

const formatHelp = 'access-log format string, envoy-default, istio-default, or a json_format object as JSON';

function databaseUrl(option: string | undefined): string {
  return option ?? loadSettings().databaseUrl;
}

function nonEmpty(name: string) {
  return (value: string) => {
    if (value.trim() === '') throw new InvalidArgumentError(`${name} must not be empty`);
    return value;
  };
}

export function buildProgram(): Command {
  const program = new Command('envoy-lens')
    .description('Envoy access logs, typed: which upstream served each request, ClusterIP leaks, balance.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('parse')
    .description('parse access-log lines (FILEs or stdin) and print one JSON object per line')
    .option('--format <format>', formatHelp)
    .option('--config <file>', 'envoy.yaml, or a ConfigMap holding one, to read the format from')
    .option('--listener <name>', 'with --config: the listener whose access log to use')
    .argument('[file...]', 'log files; stdin when none')
    .action(async (files: string[], opts) => {
      await runParse(compiledFormatFrom(opts), files, process.stdout);
    });

  program
    .command('import')
    .description('parse log files and store their records (importing the same file again adds nothing)')
    .option('--format <format>', formatHelp)
    .option('--config <file>', 'envoy.yaml, or a ConfigMap holding one, to read the format from')
    .option('--listener <name>', 'with --config: the listener whose access log to use')
    .option('--db <url>', 'database URL (default: $DATABASE_URL or file:./data/envoy-lens.db)')
    .option('--namespace <ns>', 'namespace of the pod that wrote the log', nonEmpty('--namespace'))
    .option('--pod <name>', 'pod that wrote the log', nonEmpty('--pod'))
    .option('--container <name>', 'container that wrote the log', nonEmpty('--container'))
    .option('--as <name>', 'store the input under this name instead of one derived from its first line', nonEmpty('--as'))
    .option('--no-progress', 'no progress bar even on a terminal')
    .argument('<file...>', 'log files')
    .action(async (files: string[], opts) => {
      if ((opts.namespace === undefined) !== (opts.pod === undefined)) {
        throw new UsageError('--namespace and --pod go together');
      }
      const format = compiledFormatFrom(opts);
      const totals = await runImport(format, files, {
        databaseUrl: databaseUrl(opts.db),
        namespace: opts.namespace, pod: opts.pod, container: opts.container, as: opts.as,
        progress: opts.progress && Boolean(process.stderr.isTTY),
      }, (line) => console.log(line));
      process.exitCode = totals.lines > 0 && totals.records === 0 && totals.rejected > 0 ? 1 : 0;
    });

  program
    .command('export')
    .description('print stored records as NDJSON or CSV')
    .option('--db <url>', 'database URL (default: $DATABASE_URL or file:./data/envoy-lens.db)')
    .addOption(new Option('--format <format>', 'output format').choices(['ndjson', 'csv']).default('ndjson'))
    .option('--since <time>', 'records at or after this time (ISO-8601, or 15m / 2h / 7d back from now)')
    .option('--until <time>', 'records before this time')
    .option('--request-id <id>', 'only records with this X-Request-ID', nonEmpty('--request-id'))
    .action(async (opts) => {
      const url = databaseUrl(opts.db);
      await deployMigrations(url);
      await runExport(url, opts.format as ExportFormat, {
        since: opts.since === undefined ? undefined : parseTimeOption('--since', opts.since),
        until: opts.until === undefined ? undefined : parseTimeOption('--until', opts.until),
        requestId: opts.requestId,
      }, process.stdout);
    });

  addRetentionOptions(program
    .command('collect')
    .description('follow the Envoy containers of a cluster and store every access-log line (until Ctrl-C)')
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, ~/.kube/config, else the in-cluster service account)')
    .option('--context <name>', 'kubeconfig context (default: the current one)')
    .option('-n, --namespace <ns>', "only this namespace (default: the context's)", nonEmpty('--namespace'))
    .option('-A, --all-namespaces', 'every namespace')
    .option('-l, --selector <selector>', 'only pods with these labels (app=shop,tier!=db)', nonEmpty('--selector'))
    .option('--field-selector <selector>', 'only pods matching these fields (spec.nodeName=node-1)', nonEmpty('--field-selector'))
    .option('-c, --container <names>', `containers to follow, comma-separated (default: ${DEFAULT_CONTAINERS.join(', ')})`, nonEmpty('--container'))
    .option('--db <url>', 'database URL (default: $DATABASE_URL or file:./data/envoy-lens.db)')
    .option('--format <format>', `${formatHelp}, for every container instead of its pod's Envoy config`)
    .option('--config <file>', 'envoy.yaml, or a ConfigMap holding one, to read the format from for every container')
    .option('--max-streams <n>', 'containers followed at once; more wait and are reported', integer('--max-streams', 1, 10_000), 200)
    .option('--since <time>', 'for a container instance never read before, only lines from this time (15m, 2h, ISO-8601)')
    .option('--no-history', 'do not keep pod/Service IP history (records are not attributed to pods)')
    .option('--status', 'print what the running collectors last reported, and exit'))
    .action(async (opts) => {
      const db = databaseUrl(opts.db);
      if (opts.status) {
        process.exitCode = (await printCollectStatus(db, (l) => console.log(l))) ? 0 : 1;
        if (process.exitCode) console.error('envoy-lens: no collector has reported to this database');
        return;
      }
      if (opts.namespace && opts.allNamespaces) throw new UsageError('give either --namespace or --all-namespaces, not both');
      const format = opts.format !== undefined || opts.config !== undefined ? compiledFormatFrom(opts).spec : undefined;
      const retention = retentionFromFlags(opts, loadSettings().retention);
      preferSmallHeap();
      await untilSignalled((signal) =>
        runCollect({
          databaseUrl: db, allNamespaces: Boolean(opts.allNamespaces), history: opts.history !== false, retention,
          containers: opts.container ? String(opts.container).split(',').map((c: string) => c.trim()).filter(Boolean) : DEFAULT_CONTAINERS,
          maxStreams: opts.maxStreams, reportEveryMs: 30_000, suppress: loadSettings().suppress,
          ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
          ...(opts.context ? { context: opts.context } : {}),
          ...(opts.namespace ? { namespace: opts.namespace } : {}),
          ...(opts.selector ? { labelSelector: opts.selector } : {}),
          ...(opts.fieldSelector ? { fieldSelector: opts.fieldSelector } : {}),
          ...(format ? { format } : {}),
          ...(opts.config ? { formatOrigin: `--config ${opts.config}` } : {}),
          ...(opts.since !== undefined ? { sinceMs: parseTimeOption('--since', opts.since) } : {}),
        }, (line) => console.log(line), signal),
      );
    });

  const analysisOptions = (opts: { since?: string; until?: string; suppress?: string }) => {
    const fromMs = opts.since === undefined ? undefined : parseTimeOption('--since', opts.since);
    const toMs = opts.until === undefined ? undefined : parseTimeOption('--until', opts.until);
    if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs) throw new UsageError('--since must be before --until');
    const suppress = [...loadSettings().suppress, ...(opts.suppress ?? '').split(',').map((c) => c.trim()).filter(Boolean)];
    for (const code of suppress) if (!isRuleCode(code.toUpperCase())) throw new UsageError(`--suppress ${code}: no such rule (${RULE_CODES.join(', ')})`);
    return { ...(fromMs !== undefined ? { fromMs } : {}), ...(toMs !== undefined ? { toMs } : {}), suppress };
  };

  program
    .command('findings')
    .description('analyse the stored records and cluster history, store the findings and print them (ClusterIP leaks, imbalance, …)')
    .option('--db <url>', 'database URL (default: $DATABASE_URL or file:./data/envoy-lens.db)')
    .option('--since <time>', 'start of the window (default: an hour before the newest record)')
    .option('--until <time>', 'end of the window (default: just after the newest record)')
    .option('--suppress <codes>', 'rule codes to silence everywhere, comma-separated (also $ENVOY_LENS_SUPPRESS)')
    .option('--all', 'also print silenced findings')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const url = databaseUrl(opts.db);
      await deployMigrations(url);
      await runFindings(url, { ...analysisOptions(opts), json: Boolean(opts.json), all: Boolean(opts.all) }, (t) => console.log(t));
    });

  program
    .command('balance')
    .description('per Envoy cluster: requests per upstream pod against the share its lb policy expects, with a chi-square test')
    .option('--db <url>', 'database URL (default: $DATABASE_URL or file:./data/envoy-lens.db)')
    .option('--since <time>', 'start of the window (default: an hour before the newest record)')
    .option('--until <time>', 'end of the window (default: just after the newest record)')
    .option('--json', 'print the whole report as JSON (per source and per minute too)')
    .action(async (opts) => {
      const url = databaseUrl(opts.db);
      await deployMigrations(url);
      await runBalance(url, { ...analysisOptions(opts), json: Boolean(opts.json) }, (t) => console.log(t));
    });

  // --- envoy-lens check (lib/cli/check-command.ts) ---
  program
    .command('check')
    .description('check an Envoy config for predicted ClusterIP leaks and access-log gaps (EL0002-EL0007), like a linter')
    .requiredOption('--config <file>', 'envoy.yaml, or a ConfigMap holding one')
    .option('--services <file>', 'Service manifests (multi-document YAML or a List) instead of asking a cluster')
    .option('--kubeconfig <file>', 'read the Services from this cluster')
    .option('--context <name>', 'kubeconfig context (default: the current one)')
    .option('-n, --namespace <ns>', "namespace short Service names resolve in (default: the ConfigMap's, else the context's)", nonEmpty('--namespace'))
    .option('--json', 'print the findings as a JSON array')
    .action(async (opts) => {
      process.exitCode = await runCheck({
        config: opts.config, json: Boolean(opts.json),
        ...(opts.services !== undefined ? { services: opts.services } : {}),
        ...(opts.kubeconfig !== undefined ? { kubeconfig: opts.kubeconfig } : {}),
        ...(opts.context !== undefined ? { context: opts.context } : {}),
        ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
      }, { out: (l) => console.log(l), err: (l) => console.error(l) });
    });
  // --- end envoy-lens check ---

  program
    .command('trace')
    .description('every hop of one request by its X-Request-ID (or a prefix of it), ordered, with who called whom')
    .option('--db <url>', 'database URL (default: $DATABASE_URL or file:./data/envoy-lens.db)')
    .option('--json', 'print JSON')
    .argument('<request-id>', 'the X-Request-ID, or the start of it')
    .action(async (id: string, opts) => {
      if (id.trim() === '') throw new UsageError('the request id must not be empty');
      const url = databaseUrl(opts.db);
      await deployMigrations(url);
      process.exitCode = (await runTrace(url, id, { json: Boolean(opts.json) }, (t) => console.log(t))) ? 0 : 1;
    });

  registerPruneCommand(program, databaseUrl);
  registerRollupsCommand(program, databaseUrl);

  addRetentionOptions(program
    .command('serve')
    .description('serve the dashboard on a database (the production build), with the live collector inside it if asked')
    .option('--db <url>', 'database URL (default: $DATABASE_URL or file:./data/envoy-lens.db)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', integer('--port', 1, 65535), 3000)
    .option('--collect', 'run the live collector inside the dashboard process')
    .option('--kubeconfig <file>', 'with --collect: kubeconfig (default: $KUBECONFIG, ~/.kube/config, else in-cluster)')
    .option('--context <name>', 'with --collect: kubeconfig context')
    .option('-n, --namespace <ns>', 'with --collect: only this namespace (default: all)', nonEmpty('--namespace'))
    .option('-l, --selector <selector>', 'with --collect: only pods with these labels', nonEmpty('--selector'))
    .option('-c, --container <names>', `with --collect: containers to follow (default: ${DEFAULT_CONTAINERS.join(', ')})`, nonEmpty('--container'))
    .option('--simulator-url <url>', 'show the demo panel that drives this simulator (npm run demo sets it)')
    .option('--token <token>', 'require this bearer token, or the cookie /?token=<token> sets (default: $ENVOY_LENS_TOKEN, which ps does not show)')
    .option('--basic-auth <user:password>', 'require HTTP basic auth (default: $ENVOY_LENS_BASIC_AUTH)')
    .option('--trust-proxy-header <name>', 'behind an auth proxy: require the header it sets to the user (default: $ENVOY_LENS_TRUST_PROXY_HEADER)')
    .option('--no-auth', 'serve without auth even on a non-loopback --host: anyone who reaches it sees everything'), 'with --collect: ')
    .action(async (opts) => {
      const collectFlags = ['kubeconfig', 'context', 'namespace', 'selector', 'container'].filter((k) => opts[k] !== undefined).map((k) => `--${k}`);
      collectFlags.push(...givenRetentionFlags(opts));
      if (!opts.collect && collectFlags.length) throw new UsageError(`${collectFlags[0]} applies with --collect only`);
      const retention = retentionFromFlags(opts, loadSettings().retention);
      if (opts.simulatorUrl !== undefined && !/^https?:\/\/[^/]+/.test(opts.simulatorUrl)) throw new UsageError('--simulator-url must be an http(s) URL');
      const auth = serveAuthOptions(opts, loadSettings());
      await untilSignalled(async (signal) => {
        process.exitCode = await runServe({
          databaseUrl: databaseUrl(opts.db), host: opts.host, port: opts.port, suppress: loadSettings().suppress, ...auth,
          ...(opts.collect ? { collect: {
            ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
            ...(opts.context ? { context: opts.context } : {}),
            ...(opts.namespace ? { namespace: opts.namespace } : {}),
            ...(opts.selector ? { labelSelector: opts.selector } : {}),
            ...(opts.container ? { containers: String(opts.container).split(',').map((c: string) => c.trim()).filter(Boolean) } : {}),
            retention,
          } } : {}),
          ...(opts.simulatorUrl ? { simulatorUrl: opts.simulatorUrl } : {}),
        }, (line) => console.log(line), signal);
      });
    });

  program
    .command('simulate')
    .description('serve the built-in Kubernetes API simulator (kubectl and client-node work against it) until Ctrl-C')
    .option('--port <port>', 'port on 127.0.0.1 (0 picks a free one)', integer('--port', 0, 65535), 0)
    .addOption(new Option('--scenario <name>', 'scenario to play').choices(['seed', 'large']).default('seed'))
    .addOption(new Option('--variant <variant>', 'seed only: the ConfigMap the Envoy starts with').choices(['clusterip', 'headless']))
    .option('--rate <n>', 'client requests per second (default: the scenario\'s)', integer('--rate', 0, 1_000_000))
    .option('--seed <n>', 'seed of every random choice', integer('--seed', 0, 2 ** 31), 1)
    .option('--ip-reuse-delay <seconds>', 'how long a freed pod IP waits before another pod gets it', integer('--ip-reuse-delay', 0, 86_400))
    .addOption(new Option('--config-change <how>', 'how a changed ConfigMap reaches Envoy').choices(['hot-restart', 'restart']))
    .option('--kubeconfig-out <file>', 'write the kubeconfig here (default: a temporary file, removed on exit)')
    .action(async (opts) => {
      if (opts.variant && opts.scenario !== 'seed') throw new UsageError('--variant applies to the seed scenario only');
      await untilSignalled((signal) =>
        runSimulate({
          port: opts.port,
          scenario: { name: opts.scenario, ...(opts.variant ? { variant: opts.variant } : {}) },
          seed: opts.seed,
          ...(opts.rate !== undefined ? { rate: opts.rate } : {}),
          ...(opts.ipReuseDelay !== undefined ? { ipReuseDelayMs: opts.ipReuseDelay * 1000 } : {}),
          ...(opts.configChange ? { configChange: opts.configChange } : {}),
          ...(opts.kubeconfigOut ? { kubeconfigOut: opts.kubeconfigOut } : {}),
        }, (line) => console.log(line), signal),
      );
    });

  return program;
}

/** Runs a long-lived command until SIGINT or SIGTERM aborts its signal; it then finishes its work and returns. */
async function untilSignalled(run: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await run(stop.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function integer(name: string, min: number, max: number) {
  return (value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

/** A reader that went away (`envoy-lens export | head`) ends the command quietly, as Unix tools do. */
function exitOnClosedPipe(err: NodeJS.ErrnoException): void {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
}

export async function main(argv: string[]): Promise<number> {
  process.stdout.on('error', exitOnClosedPipe);
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2; // commander already printed it
    if (err instanceof UsageError || err instanceof EnvoyConfigError || err instanceof SourceConflictError) {
      console.error(`envoy-lens: ${err.message}`);
      return 2;
    }
    console.error(`envoy-lens: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.ENVOY_LENS_DEBUG) console.error(err);
    return 1;
  } finally {
    await disconnectAll();
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/lib/cli/main.ts')) {
  process.exitCode = await main(process.argv.slice(2));
}
