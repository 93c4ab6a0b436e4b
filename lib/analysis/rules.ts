// The rules envoy-lens checks, each with a stable code, a default severity and the text of its explanation page
// (/rules/<code> on the dashboard). Codes are never reused: a retired rule keeps its number.

export type Severity = 'error' | 'warning' | 'info';

export interface Rule {
  code: RuleCode;
  /** Short name, as in `EL0001 ClusterIP leak`. */
  name: string;
  severity: Severity;
  /** 'traffic' rules read access records; 'config' rules read Envoy configs and Services before any traffic. */
  source: 'traffic' | 'config';
  /** The explanation page: what the rule means, why it matters, how to fix it, when it stays quiet. */
  explanation: string;
}

export const RULES = {
  EL0001: {
    name: 'ClusterIP leak',
    severity: 'error',
    source: 'traffic',
    explanation:
      "Envoy's access log names a Service ClusterIP as the upstream host. Envoy resolved the cluster's address to one " +
      'virtual IP, so it sees a single host: its round robin, outlier detection, retries to another host and per-pod ' +
      'stats are all blind. kube-proxy picks the pod for each new connection instead, and because Envoy keeps ' +
      'connections open and reuses them, long-lived connections pin to one pod. Fix: point the cluster at a headless ' +
      'Service (clusterIP: None) with the same selector and ports, as a STRICT_DNS cluster, so DNS returns every ready ' +
      'pod IP and Envoy balances over them itself. Stays quiet for upstreams that are pod IPs, and for IPs that were a ' +
      'ClusterIP only at another time.',
  },
  EL0002: {
    name: 'Predicted ClusterIP leak',
    severity: 'error',
    source: 'config',
    explanation:
      'A STRICT_DNS or LOGICAL_DNS cluster names a Service that has a ClusterIP. Its DNS name resolves to that one ' +
      'virtual IP, so once traffic flows Envoy will balance over a single host (see EL0001). Fix: a headless Service ' +
      'with the same selector and ports, and the cluster pointed at it. Stays quiet for headless Services, for ' +
      'ExternalName Services and for addresses outside the cluster.',
  },
  EL0003: {
    name: 'LOGICAL_DNS on a headless Service',
    severity: 'warning',
    source: 'config',
    explanation:
      'A LOGICAL_DNS cluster uses only the first address DNS returns, so pointed at a headless Service it sends every ' +
      'new connection to one pod until the next DNS answer reorders them. Fix: make the cluster STRICT_DNS, which ' +
      'keeps every returned address as a host. Stays quiet for STRICT_DNS clusters and for LOGICAL_DNS clusters that ' +
      'name a ClusterIP Service (that is EL0002) or an external name.',
  },
  EL0004: {
    name: 'Cluster address names no Service',
    severity: 'warning',
    source: 'config',
    explanation:
      'A DNS cluster address has the shape of an in-cluster Service name (name, name.namespace, or ending in .svc or ' +
      '.svc.cluster.local) but no such Service exists, so DNS will fail and requests will get 503 UH. Fix: correct ' +
      'the name or create the Service. Stays quiet for IP addresses, for names outside the cluster domain whose ' +
      'second label is not a known namespace, and for Services that exist.',
  },
  EL0005: {
    name: 'Access log lacks %UPSTREAM_HOST%',
    severity: 'warning',
    source: 'config',
    explanation:
      "The access-log format does not log %UPSTREAM_HOST%, so envoy-lens cannot tell which pod served a request: no " +
      'balance charts, no leak detection. Fix: add %UPSTREAM_HOST% to the format (Envoy\'s default format has it). ' +
      'Stays quiet for formats that log it, and for TCP-only listeners where it is also logged.',
  },
  EL0006: {
    name: 'Access log lacks %REQ(X-REQUEST-ID)%',
    severity: 'warning',
    source: 'config',
    explanation:
      'The access-log format does not log the X-Request-ID header, so one request cannot be followed across ' +
      'sidecars. Fix: add "%REQ(X-REQUEST-ID)%" to the format. Stays quiet for formats that log it under any header ' +
      'spelling, and for TCP proxies, which have no headers.',
  },
  EL0007: {
    name: 'No access log',
    severity: 'warning',
    source: 'config',
    explanation:
      'The Envoy config has no access log that writes text to stdout, so `kubectl logs` (and envoy-lens) see no ' +
      'requests. Fix: add a StdoutAccessLog (or a FileAccessLog to /dev/stdout) to the HTTP connection manager. ' +
      'Stays quiet when any listener logs to stdout.',
  },
  EL0008: {
    name: 'Ready pod gets no traffic',
    severity: 'warning',
    source: 'traffic',
    explanation:
      'A pod was a ready endpoint of the Service behind an Envoy cluster for the whole window, while the cluster sent ' +
      'enough requests to its other pods that it should have received some. Envoy may not know the pod (stale DNS, a ' +
      'LOGICAL_DNS cluster) or traffic is pinned by kube-proxy. Stays quiet when the cluster sent too few requests for ' +
      'the silence to mean anything (fewer than 20 expected for the pod), and under RING_HASH, MAGLEV and RANDOM.',
  },
  EL0009: {
    name: 'Upstream is neither a pod nor a Service',
    severity: 'warning',
    source: 'traffic',
    explanation:
      'The upstream IP was never a pod IP or ClusterIP that envoy-lens saw: an external address, a node, or a pod ' +
      'from before envoy-lens started watching. Expected for egress clusters; worth a look for in-cluster ones. Stays ' +
      'quiet for pod and Service IPs, and for addresses outside private ranges when the cluster is an external one.',
  },
  EL0010: {
    name: 'Burst of 503 with UH, UF or NR',
    severity: 'warning',
    source: 'traffic',
    explanation:
      'Envoy answered 503 itself, many times in a short window, with a flag that means it had no healthy upstream ' +
      '(UH), could not connect (UF) or had no route (NR). Usually pods going away faster than Envoy learns, a wrong ' +
      'cluster address, or a missing route. Stays quiet for isolated 503s and for 503s the upstream returned (no flag).',
  },
  EL0011: {
    name: 'Upstream served after its pod was deleted',
    severity: 'warning',
    source: 'traffic',
    explanation:
      'Requests went to an IP after the pod that held it was gone (and no other pod held it yet): Envoy kept a stale ' +
      'DNS answer or a stale endpoint. Lower dns_refresh_rate, use EDS, or add outlier detection. Stays quiet within ' +
      'the hand-over window after deletion and when another pod held the IP at the time.',
  },
  EL0012: {
    name: 'Round robin is unbalanced',
    severity: 'warning',
    source: 'traffic',
    explanation:
      'Under ROUND_ROBIN or LEAST_REQUEST with equal weights every ready endpoint should get an equal share. The ' +
      'observed split differs from that by more than chance (chi-square p < 0.001) and by a visible margin ' +
      '(busiest/quietest pod above 1.5). Stays quiet for small samples, for RANDOM, RING_HASH and MAGLEV, and when ' +
      'the difference is within chance.',
  },
} as const satisfies Record<string, Omit<Rule, 'code'>>;

export type RuleCode = keyof typeof RULES;

export const RULE_CODES = Object.keys(RULES) as RuleCode[];

export function ruleOf(code: RuleCode): Rule {
  return { code, ...RULES[code] };
}

export const isRuleCode = (s: string): s is RuleCode => Object.hasOwn(RULES, s);

/** The dashboard page that explains a rule. */
export const ruleUrl = (code: RuleCode) => `/rules/${code}`;

/** How to silence a rule, for its page and the CLI help. */
export const SUPPRESS_HINT = (code: RuleCode) =>
  `For one resource: annotate the Service, ConfigMap or pod the finding is about with envoy-lens.io/suppress: ${code} ` +
  `(several codes separated by commas; "all" for every rule). Everywhere: set ENVOY_LENS_SUPPRESS=${code} or pass ` +
  `--suppress ${code}. Silenced findings are still listed, marked as silenced.`;
