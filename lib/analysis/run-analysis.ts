// One analysis run: reads a window of traffic and the cluster's history from the store, runs every rule, attaches
// sample records, marks what is silenced, and (refreshFindings) stores the result in place of the last one.
import type { AnalysisStore, FindingRow } from '../store/analysis-store.ts';
import type { AnalysisInput } from './analysis-input.ts';
import { balanceReport, type BalanceReport } from './balance.ts';
import { balanceFindings } from './balance-findings.ts';
import { leakFindings, leakGroups, type LeakGroup } from './clusterip-leak.ts';
import { resourceName, type Finding, type ResourceRef } from './finding.ts';
import { addressTarget, checkPodConfigs } from './config-checks.ts';
import type { ClusterConfig } from '../envoy/envoy-config.ts';
import { headlessFix } from './headless-fix.ts';
import { readKubeObjects } from './kube-objects.ts';
import { clusterLookup, podEnvoyConfigs, type PodEnvoyConfig } from './pod-configs.ts';
import { workloadLookup } from './source-workloads.ts';
import { suppressionOf } from './suppression.ts';
import { trafficFindings } from './traffic-findings.ts';

export const DEFAULT_WINDOW_MS = 60 * 60_000;
export const DEFAULT_BUCKET_MS = 60_000;

export interface AnalysisOptions {
  /** The window; by default the hour that ends with the newest record. */
  fromMs?: number;
  toMs?: number;
  bucketMs?: number;
  /** Codes silenced everywhere. */
  suppress?: Iterable<string>;
  now?: number;
}

export interface ReportedFinding extends Finding {
  /** Why it is silenced; null when shown. */
  suppressedBy: string | null;
}

export interface AnalysisRun {
  fromMs: number;
  toMs: number;
  analyzedAtMs: number;
  findings: ReportedFinding[];
  balance: BalanceReport;
  /** Things the run could not read (a stored object that did not fit, a config that did not parse). */
  notes: string[];
}

/** Records up to this far ahead of the clock count as now (clock skew between nodes); later ones are not trusted to
 * end the default window. */
const FUTURE_SKEW_MS = 5 * 60_000;

/**
 * The window to analyse: as asked, else the hour that ends with the newest record, never later than a little after
 * now (one record from a wrong clock must not move the window to the year 9999). The start is floored to the second,
 * the precision traffic is counted at.
 */
export async function analysisWindow(store: AnalysisStore, o: AnalysisOptions): Promise<{ fromMs: number; toMs: number }> {
  const now = o.now ?? Date.now();
  let fromMs = o.fromMs;
  let toMs = o.toMs;
  if (fromMs === undefined || toMs === undefined) {
    const range = await store.recordTimeRange({ before: now + FUTURE_SKEW_MS });
    toMs ??= range?.toMs ?? now;
    fromMs ??= Math.max(range?.fromMs ?? toMs - DEFAULT_WINDOW_MS, toMs - DEFAULT_WINDOW_MS);
  }
  return { fromMs: Math.floor(fromMs / 1000) * 1000, toMs };
}

export async function loadAnalysisInput(store: AnalysisStore, window: { fromMs: number; toMs: number }, o: { slotSeconds?: number; failures?: boolean } = {}): Promise<{ input: AnalysisInput; notes: string[] }> {
  const [traffic, failures, ips, endpoints, objects] = await Promise.all([
    store.trafficCells(window.fromMs, window.toMs, o.slotSeconds ?? 1),
    o.failures === false ? Promise.resolve([]) : store.failureCells(window.fromMs, window.toMs),
    store.ipHistory(),
    store.endpointHistory(),
    store.kubeObjects(),
  ]);
  const k = readKubeObjects(objects);
  return { input: { ...window, traffic, failures, ips, endpoints, services: k.services, pods: k.pods, configMaps: k.configMaps }, notes: k.skipped };
}

export async function analyse(store: AnalysisStore, o: AnalysisOptions = {}): Promise<AnalysisRun> {
  const window = await analysisWindow(store, o);
  const { input, notes } = await loadAnalysisInput(store, window);
  const untimed = await store.recordsWithoutStartTime();
  if (untimed > 0) notes.push(`${untimed} stored records have no START_TIME (their format lacks %START_TIME%) and are not analysed`);
  const future = await store.recordsAfter((o.now ?? Date.now()) + FUTURE_SKEW_MS);
  if (future > 0) notes.push(`${future} stored records start more than 5 minutes in the future (a wrong clock?) and are left out of the default window`);
  const configs = podEnvoyConfigs(input.pods, input.configMaps, { includeDeleted: true });
  for (const c of configs) if (c.error && c.pod.deletedMs === null) notes.push(`${c.pod.namespace}/${c.pod.name} ${c.container}: ${c.error}`);
  const clusterOf = clusterLookup(configs);
  const namespaces = new Set([...input.services, ...input.pods, ...input.configMaps].map((x) => x.namespace));
  const workloadOf = workloadLookup(input.pods);

  const leaks = leakFindings(leakGroups(input.traffic, workloadOf), {
    fixFor: (g) => leakFix(g, input, configs, namespaces),
    relatedOf: (g) => leakRelated(g, configs),
  });
  const balance = balanceOf(input, window, o.bucketMs ?? DEFAULT_BUCKET_MS, clusterOf, namespaces);
  const traffic = trafficFindings({ traffic: input.traffic, failures: input.failures, ips: input.ips, pods: input.pods });

  const current = configs.filter((c) => c.pod.deletedMs === null);
  const checked = checkPodConfigs(current, input.services.filter((s) => s.deletedMs === null), { configMaps: input.configMaps, namespaces });
  for (const e of checked.errors) notes.push(`${e.error}`);
  const findings = [...leaks, ...withoutConfirmedPredictions(checked.findings, leaks), ...balanceFindings(balance, { workloadOf }), ...traffic];
  for (const f of leaks) await attachSamples(store, f, window);
  const globalCodes = new Set([...(o.suppress ?? [])].map((c) => c.toUpperCase()));
  const sources = { services: input.services, pods: input.pods, configMaps: input.configMaps, globalCodes };
  return {
    ...window,
    analyzedAtMs: o.now ?? Date.now(),
    findings: findings.map((f) => ({ ...f, suppressedBy: suppressionOf(f, sources) })),
    balance,
    notes,
  };
}

/**
 * A predicted leak (EL0002) that traffic confirms (EL0001 for the same Envoy cluster and Service) is one problem: the
 * traffic finding, with its counts, stands for it.
 */
function withoutConfirmedPredictions(config: Finding[], leaks: Finding[]): Finding[] {
  // Confirmed per source pod: the prediction is dropped only when the pods running that config sent leaking records.
  const confirmed = new Set(leaks.flatMap((f) => {
    const e = f.evidence as { cluster?: string | null; sourcePods?: string[]; workload?: { namespace: string | null } };
    return (e.sourcePods ?? []).map((pod) => `${e.cluster}|${resourceName(f.resource)}|${e.workload?.namespace}/${pod}`);
  }));
  return config.filter((f) => {
    if (f.code !== 'EL0002') return true;
    const e = f.evidence as { cluster?: string; service?: string; pods?: string[] };
    return !(e.pods ?? []).some((pod) => confirmed.has(`${e.cluster}|${e.service}|${pod}`));
  });
}

/** The Services a cluster's endpoint addresses name, in order. */
function serviceTargetsOf(cluster: ClusterConfig, podNamespace: string, namespaces: ReadonlySet<string>): { namespace: string; name: string }[] {
  return cluster.endpoints.flatMap((e) => {
    const t = addressTarget(e.address, podNamespace, namespaces);
    return t.kind === 'service' ? [{ namespace: t.namespace, name: t.name }] : [];
  });
}

/**
 * Longest window balanced at one-second precision; longer ones count records in slots of a tenth of a bucket, whole
 * minutes at least, which the per-minute rollups answer without reading the records (lib/store/rollup/). Buckets of
 * whole hours (windows past HOURLY_BUCKETS_FROM_MS, lib/analysis/chart-window.ts) are counted in hour slots, which the
 * hour rollups answer: a week of minute rows is half a million rows at 45 a minute.
 */
const EXACT_BALANCE_MS = 30 * 60_000;
const HOUR_MS = 3_600_000;

/** The slot width, in seconds, for a balance window and its chart buckets. */
export function balanceSlotSeconds(windowMs: number, bucketMs: number): number {
  if (windowMs <= EXACT_BALANCE_MS) return 1;
  if (bucketMs >= HOUR_MS && bucketMs % HOUR_MS === 0) return HOUR_MS / 1000;
  return Math.max(60, Math.round(bucketMs / 10_000 / 60) * 60);
}

/**
 * The balance report alone (what the Balance page shows), without the other rules. Over a long window records are
 * counted in slots a tenth of a bucket wide, so a week reads as few cells as an hour; expected shares then use the
 * endpoints ready at each slot's start.
 */
export async function analyseBalance(store: AnalysisStore, o: { fromMs: number; toMs: number; bucketMs: number }): Promise<{ balance: BalanceReport; notes: string[]; slotSeconds: number }> {
  const window = { fromMs: Math.floor(o.fromMs / 1000) * 1000, toMs: o.toMs };
  const slotSeconds = balanceSlotSeconds(window.toMs - window.fromMs, o.bucketMs);
  const { input, notes } = await loadAnalysisInput(store, window, { slotSeconds, failures: false });
  const configs = podEnvoyConfigs(input.pods, input.configMaps, { includeDeleted: true });
  const namespaces = new Set([...input.services, ...input.pods, ...input.configMaps].map((x) => x.namespace));
  return { balance: balanceOf(input, window, o.bucketMs, clusterLookup(configs), namespaces), notes, slotSeconds };
}

function balanceOf(input: AnalysisInput, window: { fromMs: number; toMs: number }, bucketMs: number, clusterOf: ReturnType<typeof clusterLookup>, namespaces: ReadonlySet<string>): BalanceReport {
  return balanceReport({
    traffic: input.traffic, endpoints: input.endpoints, ips: input.ips, fromMs: window.fromMs, toMs: window.toMs, bucketMs,
    policyOf: (ns, pod, cluster) => clusterOf(ns, pod, cluster)?.lbPolicy,
    targetOf: (ns, pod, cluster) => {
      const config = clusterOf(ns, pod, cluster);
      return config ? serviceTargetsOf(config, ns ?? 'default', namespaces)[0] ?? null : null;
    },
    singleHostOf: (ns, pod, cluster) => (clusterOf(ns, pod, cluster)?.type === 'LOGICAL_DNS'
      ? 'LOGICAL_DNS: Envoy connects to one address of the DNS answer at a time, so no equal split is expected (see EL0003)'
      : null),
  });
}

/** Runs the analysis and stores its findings in place of the last run's. */
export async function refreshFindings(store: AnalysisStore, o: AnalysisOptions = {}): Promise<AnalysisRun> {
  const run = await analyse(store, o);
  await store.replaceFindings(run.findings.map((f) => findingRow(f, run.analyzedAtMs)));
  return run;
}

export function findingRow(f: ReportedFinding, analyzedAtMs: number): FindingRow {
  const loc = f.location;
  const where = loc?.configMap ? `ConfigMap ${loc.configMap.namespace}/${loc.configMap.name} ${loc.configMap.key}` : loc?.file;
  return {
    key: f.key, code: f.code, severity: f.severity, resourceKind: f.resource.kind, resourceNamespace: f.resource.namespace ?? null,
    resourceName: f.resource.name, location: where ? `${where}${loc?.line ? `:${loc.line}` : ''}` : null, title: f.title, message: f.message,
    fixJson: f.fix ? JSON.stringify(f.fix) : null, evidenceJson: JSON.stringify(f.evidence), firstSeenMs: f.firstSeenMs, lastSeenMs: f.lastSeenMs,
    suppressedBy: f.suppressedBy, analyzedAtMs,
  };
}

const configsOfGroup = (g: LeakGroup, configs: PodEnvoyConfig[]) =>
  configs.filter((c) => c.pod.namespace === g.workload.namespace && g.sourcePods.includes(c.pod.name) && c.config?.clusters.some((k) => k.name === g.cluster));

function leakFix(g: LeakGroup, input: AnalysisInput, configs: PodEnvoyConfig[], namespaces: ReadonlySet<string>) {
  const service = input.services.find((s) => s.namespace === g.serviceNamespace && s.name === g.service && s.deletedMs === null);
  if (!service || !g.cluster) return undefined;
  // The config of a pod still running, else of the last one that sent the leaking records: what runs now.
  const config = configsOfGroup(g, configs).sort((a, b) => (a.pod.deletedMs ?? Infinity) - (b.pod.deletedMs ?? Infinity)).at(-1);
  const ref = config?.configMap;
  const configMap = ref ? input.configMaps.find((c) => c.namespace === ref.namespace && c.name === ref.name) : undefined;
  // Only the endpoints that name the leaking Service move to its headless twin; others of the cluster stay as they are.
  const cluster = config?.config?.clusters.find((c) => c.name === g.cluster);
  const addresses = cluster
    ? cluster.endpoints.filter((e) => { const t = addressTarget(e.address, config!.pod.namespace, namespaces); return t.kind === 'service' && t.namespace === service.namespace && t.name === service.name; }).map((e) => e.address)
    : [];
  return headlessFix({
    service, services: input.services, cluster: g.cluster,
    ...(addresses.length ? { addresses } : {}),
    ...(configMap && ref ? { source: { kind: 'configMap' as const, configMap, key: ref.key } } : {}),
  }).fix;
}

function leakRelated(g: LeakGroup, configs: PodEnvoyConfig[]): ResourceRef[] {
  const refs: ResourceRef[] = g.sourcePods.map((name) => ({ kind: 'Pod', namespace: g.workload.namespace, name }));
  for (const c of configsOfGroup(g, configs)) {
    if (c.configMap && !refs.some((r) => r.kind === 'ConfigMap' && resourceName(r) === `${c.configMap!.namespace}/${c.configMap!.name}`)) {
      refs.push({ kind: 'ConfigMap', namespace: c.configMap.namespace, name: c.configMap.name });
    }
  }
  return refs;
}

async function attachSamples(store: AnalysisStore, f: Finding, window: { fromMs: number; toMs: number }): Promise<void> {
  const e = f.evidence as { cluster?: string | null; clusterIps?: string[]; sourcePods?: string[]; workload?: { namespace: string | null } };
  const samples = await store.sampleRecords({
    ...window,
    ...(e.cluster !== undefined ? { cluster: e.cluster } : {}),
    ...(e.clusterIps?.[0] ? { upstreamIp: e.clusterIps[0] } : {}),
    ...(e.sourcePods?.[0] ? { sourcePod: e.sourcePods[0], sourceNamespace: e.workload?.namespace ?? null } : {}),
  }, 3);
  f.evidence.samples = samples;
}
