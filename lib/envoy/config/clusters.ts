// Clusters: how Envoy finds the upstream hosts (the discovery type decides what UPSTREAM_HOST can show) and the
// addresses configured for them.
import type { ConfigNode } from './config-node.ts';
import { readSocketAddress } from './socket-address.ts';
import type { ClusterConfig, ClusterDiscoveryType, LbPolicy, SocketAddress } from './types.ts';

// protobuf JSON accepts an enum by name or by number (the numbers are the proto's); Envoy parses the names ignoring
// case, so v1/v2-era configs write `type: strict_dns`.
const discoveryTypes: readonly ClusterDiscoveryType[] = ['STATIC', 'STRICT_DNS', 'LOGICAL_DNS', 'EDS', 'ORIGINAL_DST'];
const lbPolicies: readonly LbPolicy[] = [
  'ROUND_ROBIN', 'LEAST_REQUEST', 'RING_HASH', 'RANDOM', 'ORIGINAL_DST_LB', 'MAGLEV', 'CLUSTER_PROVIDED',
  'LOAD_BALANCING_POLICY_CONFIG',
];

export function readCluster(cluster: ConfigNode): ClusterConfig {
  cluster.mapping('a cluster');
  const name = cluster.field('name').text('every cluster needs a name');
  const result: ClusterConfig = {
    name,
    type: 'STATIC',
    lbPolicy: readEnum(cluster.field('lb_policy'), lbPolicies, 'ROUND_ROBIN'),
    endpoints: readEndpoints(cluster),
    line: cluster.line,
    configPath: cluster.path,
  };
  const clusterType = cluster.field('cluster_type');
  if (clusterType.exists) {
    if (cluster.has('type')) cluster.fail('has both type and cluster_type; Envoy takes one');
    result.type = 'EXTENSION';
    result.extension = clusterType.mapping('cluster_type').field('name').text('cluster_type names the cluster extension');
  } else {
    result.type = readEnum(cluster.field('type'), discoveryTypes, 'STATIC');
  }
  const refresh = cluster.field('dns_refresh_rate');
  if (refresh.exists) result.dnsRefreshRateMs = durationMs(refresh);
  return result;
}

function readEnum<T extends string>(node: ConfigNode, values: readonly T[], fallback: T): T {
  if (!node.exists) return fallback;
  const written = node.text();
  const value = /^\d+$/.test(written) ? values[Number(written)] : values.find((v) => v === written.toUpperCase());
  if (value === undefined) node.fail(`unknown value ${JSON.stringify(written)}; expected one of ${values.join(', ')}`);
  return value;
}

function readEndpoints(cluster: ConfigNode): SocketAddress[] {
  const addresses: SocketAddress[] = [];
  const add = (address: SocketAddress | undefined) => {
    if (address) addresses.push(address);
  };
  const assignment = cluster.field('load_assignment');
  if (assignment.exists) assignment.mapping('a load_assignment');
  for (const locality of assignment.field('endpoints').items()) {
    for (const lbEndpoint of locality.mapping('a locality of endpoints').field('lb_endpoints').items()) {
      // An lb_endpoint may name an endpoint defined elsewhere (endpoint_name) instead of holding one.
      add(readSocketAddress(lbEndpoint.mapping('an lb_endpoint').field('endpoint').field('address')));
    }
  }
  for (const host of cluster.field('hosts').items()) add(readSocketAddress(host)); // v2, before load_assignment
  return addresses;
}

/** A protobuf JSON Duration ("5s", "0.25s") in milliseconds. */
function durationMs(node: ConfigNode): number {
  const match = /^(\d{1,12})(?:\.(\d{1,9}))?s$/.exec(node.text());
  if (!match) return node.fail(`expected a duration in seconds like "5s" or "0.5s", found ${node.describe()}`);
  return Number(match[1]) * 1000 + Number((match[2] ?? '').padEnd(9, '0')) / 1e6;
}
