// Findings from a balance report, per Envoy cluster and source sidecar over the whole window:
// EL0008 a ready pod that got none of the requests it should have got, EL0012 a split too uneven for chance.
// Both only under policies that promise an equal split (ROUND_ROBIN, LEAST_REQUEST, or an unknown policy read as
// Envoy's default ROUND_ROBIN).
import type { BalanceReport, ClusterBalance, PodShare, SourceBalance } from './balance.ts';
import { MIN_EXPECTED_PER_CATEGORY } from './chi-square.ts';
import type { Finding, ResourceRef } from './finding.ts';
import { RULES } from './rules.ts';
import { workloadRef, type SourceWorkload } from './source-workloads.ts';

/** EL0008 needs the idle pod to have been expected at least this many records. */
export const IDLE_MIN_EXPECTED = 20;
/** EL0012 thresholds: p-value below, busiest/quietest above, and at least this many tested records. */
export const UNBALANCED_MAX_P = 0.001;
export const UNBALANCED_MIN_RATIO = 1.5;
export const UNBALANCED_MIN_RECORDS = 100;

export interface BalanceFindingContext {
  /** The workload of a source pod, added to `related` so its pods' annotations can silence the finding. */
  workloadOf?: (namespace: string | null, pod: string | null) => SourceWorkload;
}

const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const chance = (p: number) => (p === 0 ? 'below 1e-15' : p < 1e-4 ? p.toExponential(1) : p.toPrecision(2));

function sourceLabel(s: SourceBalance): string {
  return s.source?.pod ? `${s.source.namespace ? `${s.source.namespace}/` : ''}${s.source.pod}` : 'the imported file';
}

function policyText(s: SourceBalance): string {
  return s.policyKnown ? (s.policy ?? 'an equal-share policy') : `${s.policy ?? 'ROUND_ROBIN'} (assumed: the sidecar's config was not seen)`;
}

function relatedOf(c: ClusterBalance, s: SourceBalance, ctx: BalanceFindingContext): ResourceRef[] {
  const refs: ResourceRef[] = [];
  if (c.service) refs.push({ kind: 'Service', namespace: c.service.namespace, name: c.service.name });
  if (s.source?.pod) {
    refs.push({ kind: 'Pod', namespace: s.source.namespace, name: s.source.pod });
    if (ctx.workloadOf) refs.push(workloadRef(ctx.workloadOf(s.source.namespace, s.source.pod)));
  }
  return refs;
}

const perPod = (pods: PodShare[]) => pods.map((p) => ({ pod: p.key, tested: p.tested, expected: p.expected === null ? null : round(p.expected, 2) }));

/** EL0008: a pod ready from a source's first request on a cluster to its last, expected ≥ 20 records, got none. */
export function idleEndpointFindings(report: BalanceReport, ctx: BalanceFindingContext = {}): Finding[] {
  const rule = RULES.EL0008;
  const out: Finding[] = [];
  for (const c of report.clusters) {
    if (!c.service) continue;
    const svc = `${c.service.namespace}/${c.service.name}`;
    for (const s of c.sources) {
      if (s.expectation !== 'equal-share') continue;
      const w = s.window;
      const ready = w.pods.filter((p) => p.expected !== null && p.expected > 0).length;
      for (const p of w.pods) {
        if (p.requests > 0 || p.expected === null || p.expected < IDLE_MIN_EXPECTED || !p.readyThroughout) continue;
        out.push({
          code: 'EL0008',
          severity: rule.severity,
          key: `EL0008|${c.label}|${s.key}|${p.key}`,
          resource: { kind: 'Pod', namespace: p.namespace, name: p.pod ?? p.key },
          related: relatedOf(c, s, ctx),
          title: `${rule.name}: ${p.key} got none of ${sourceLabel(s)}'s requests on Envoy cluster ${c.label}`,
          message:
            `Pod ${p.key} was a ready endpoint of Service ${svc} from the first to the last request ${sourceLabel(s)} sent through ` +
            `Envoy cluster ${c.label}. Under ${policyText(s)} it should have received about ${round(p.expected)} of the ` +
            `${w.tested} requests that went to ready pods, but it received none. Envoy may not know the pod (a stale DNS answer, ` +
            'a LOGICAL_DNS cluster that keeps one address) or kube-proxy pins traffic to other pods.',
          fix: {
            summary:
              `Check that ${sourceLabel(s)}'s Envoy lists ${p.key} as a host of ${c.label} (/clusters on its admin port). Use a ` +
              'STRICT_DNS cluster on a headless Service with a short dns_refresh_rate (or EDS), so new pods are picked up.',
          },
          firstSeenMs: w.firstSeenMs,
          lastSeenMs: w.lastSeenMs,
          evidence: {
            cluster: c.cluster,
            source: s.source,
            service: svc,
            pod: p.key,
            expected: round(p.expected, 2),
            testedRecords: w.tested,
            readyPods: ready,
            policy: s.policy,
            policyKnown: s.policyKnown,
          },
        });
      }
    }
  }
  return out;
}

/** EL0012: an equal-share split off by more than chance (p < 0.001) and by a visible margin (busiest/quietest > 1.5). */
export function imbalanceFindings(report: BalanceReport, ctx: BalanceFindingContext = {}): Finding[] {
  const rule = RULES.EL0012;
  const out: Finding[] = [];
  for (const c of report.clusters) {
    if (!c.service) continue;
    const svc = `${c.service.namespace}/${c.service.name}`;
    for (const s of c.sources) {
      const w = s.window;
      const m = w.imbalance;
      if (s.expectation !== 'equal-share' || w.tested < UNBALANCED_MIN_RECORDS) continue;
      if (m.pValue === null || m.pValue >= UNBALANCED_MAX_P) continue;
      if (!m.zeroPod && (m.maxMinRatio === null || m.maxMinRatio <= UNBALANCED_MIN_RATIO)) continue;
      const ranked = w.pods.filter((p) => p.ratio !== null && p.expected! >= MIN_EXPECTED_PER_CATEGORY).sort((a, b) => b.ratio! - a.ratio!);
      const busiest = ranked[0];
      const quietest = ranked.at(-1);
      const margin = m.zeroPod ? 'one pod got none of its share' : `busiest/quietest ${round(m.maxMinRatio!, 2)}`;
      const extremes =
        busiest && quietest
          ? ` ${busiest.key} got ${busiest.tested} against ${round(busiest.expected!)} expected; ${quietest.key} got ${quietest.tested} against ${round(quietest.expected!)}.`
          : '';
      out.push({
        code: 'EL0012',
        severity: rule.severity,
        key: `EL0012|${c.label}|${s.key}|${svc}`,
        resource: { kind: 'Service', namespace: c.service.namespace, name: c.service.name },
        related: relatedOf(c, s, ctx),
        title: `${rule.name}: ${sourceLabel(s)} on Envoy cluster ${c.label} (${margin})`,
        message:
          `Under ${policyText(s)}, the ${w.tested} requests ${sourceLabel(s)} sent through Envoy cluster ${c.label} to ready ` +
          `pods of Service ${svc} should split equally over the pods ready at each moment.${extremes} A split this uneven ` +
          `happens by chance with probability ${chance(m.pValue)} (chi-square ${round(m.chiSquare ?? 0, 2)}, ${m.df} df).`,
        fix: {
          summary:
            'Look for what takes pods out of rotation or weights them: outlier detection or active health checks ejecting ' +
            'hosts, slow_start_config, endpoint or locality weights, several priorities; under LEAST_REQUEST slower pods ' +
            'get fewer requests by design.',
        },
        firstSeenMs: w.firstSeenMs,
        lastSeenMs: w.lastSeenMs,
        evidence: {
          cluster: c.cluster,
          source: s.source,
          service: svc,
          testedRecords: w.tested,
          outsideEndpoints: w.outsideEndpoints.count,
          pods: perPod(w.pods),
          chiSquare: m.chiSquare,
          df: m.df,
          pValue: m.pValue,
          maxMinRatio: m.maxMinRatio,
          zeroPod: m.zeroPod,
          policy: s.policy,
          policyKnown: s.policyKnown,
        },
      });
    }
  }
  return out;
}

/** Every balance finding of a report: EL0008 then EL0012, one per workload when its sidecars agree. */
export function balanceFindings(report: BalanceReport, ctx: BalanceFindingContext = {}): Finding[] {
  const all = [...idleEndpointFindings(report, ctx), ...imbalanceFindings(report, ctx)];
  return ctx.workloadOf ? perWorkload(all, ctx.workloadOf) : all;
}

/**
 * The replicas of one workload run one config, so they tend to show the same problem: their findings for the same
 * cluster and pod (EL0008) or Service (EL0012) become one, keyed by the workload so the key outlives a rollout. The
 * sidecar with the most requests speaks for the group; every sidecar's figures stay in the evidence.
 */
function perWorkload(findings: Finding[], workloadOf: NonNullable<BalanceFindingContext['workloadOf']>): Finding[] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const e = f.evidence as { cluster: string | null; source: { namespace: string | null; pod: string | null } | null; pod?: string; service: string };
    const w = workloadOf(e.source?.namespace ?? null, e.source?.pod ?? null);
    const key = [f.code, f.key.split('|')[1], `${w.namespace}/${w.kind}/${w.name}`, f.code === 'EL0008' ? e.pod : e.service].join('|');
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return [...groups.entries()].map(([key, group]) => {
    const tested = (f: Finding) => (f.evidence as { testedRecords: number }).testedRecords;
    const rep = [...group].sort((a, b) => tested(b) - tested(a))[0]!;
    const related = [...new Map(group.flatMap((f) => f.related ?? []).map((r) => [`${r.kind}|${r.namespace}|${r.name}`, r])).values()];
    const others = group.length - 1;
    return {
      ...rep,
      key,
      related,
      title: others ? `${rep.title} and ${others} more sidecar${others === 1 ? '' : 's'} of the same workload` : rep.title,
      firstSeenMs: finiteOrNull(Math.min(...group.map((f) => f.firstSeenMs ?? Infinity))),
      lastSeenMs: finiteOrNull(Math.max(...group.map((f) => f.lastSeenMs ?? -Infinity))),
      evidence: { ...rep.evidence, sidecars: group.map((f) => ({ source: (f.evidence as { source: unknown }).source, testedRecords: tested(f), ...('pValue' in f.evidence ? { pValue: f.evidence.pValue } : {}) })) },
    };
  });
}
