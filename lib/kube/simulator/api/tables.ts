// meta.k8s.io/v1 Table rendering: kubectl's `get` asks for Tables and prints their cells as-is, so these columns
// (names, types, priority 1 = `-o wide`) follow the apiserver's printers for each kind.
import type { KubeObject } from '../kube-object.ts';
import { STORED_KIND_PRINTERS } from './stored-kind-printers.ts';
import { age, ageCol, asArray, asDict, col, humanDuration, nameCol, str, type Dict, type Printer, type TableColumn } from './table-columns.ts';

export { humanDuration, type TableColumn } from './table-columns.ts';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableRow {
  cells: unknown[];
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion: string };
  columnDefinitions: TableColumn[];
  rows: TableRow[];
}

/** STATUS as kubectl shows it: a waiting/terminated reason beats the phase; deletion shows Terminating. */
function podStatus(o: KubeObject): string {
  const status = asDict(o.status);
  let reason = str(status.reason, str(status.phase, 'Unknown'));
  for (const cs of asArray(status.containerStatuses)) {
    const state = asDict(asDict(cs).state);
    const waiting = asDict(state.waiting);
    const terminated = asDict(state.terminated);
    if (typeof waiting.reason === 'string' && waiting.reason) reason = waiting.reason;
    else if (typeof terminated.reason === 'string' && terminated.reason) reason = terminated.reason;
  }
  if (o.metadata.deletionTimestamp) reason = 'Terminating';
  return reason;
}

const podPrinter: Printer = {
  columns: [
    nameCol,
    col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    ageCol,
    col('IP', 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
    col('Node', 'NodeName is a request to schedule this pod onto a specific node.', 1),
    col('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node.', 1),
    col('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
  ],
  cells(o, now) {
    const spec = asDict(o.spec);
    const status = asDict(o.status);
    const statuses = asArray(status.containerStatuses).map(asDict);
    const total = asArray(spec.containers).length;
    const ready = statuses.filter((c) => c.ready === true).length;
    const restarts = statuses.reduce((n, c) => n + (typeof c.restartCount === 'number' ? c.restartCount : 0), 0);
    // printers.go: the newest lastState.terminated.finishedAt is shown as "N (5m ago)".
    const lastRestart = Math.max(0, ...statuses.map((c) => Date.parse(String(asDict(asDict(c.lastState).terminated).finishedAt ?? '')) || 0));
    const restartCell = restarts > 0 && lastRestart > 0 ? `${restarts} (${humanDuration((now - lastRestart) / 1000)} ago)` : String(restarts);
    return [
      o.metadata.name,
      `${ready}/${total}`,
      podStatus(o),
      restartCell,
      age(o, now),
      str(status.podIP),
      str(spec.nodeName),
      str(status.nominatedNodeName),
      '<none>',
    ];
  },
};

function servicePorts(spec: Dict): string {
  const ports = asArray(spec.ports).map(asDict);
  if (ports.length === 0) return '<none>';
  return ports
    .map((p) => {
      const proto = str(p.protocol, 'TCP');
      return typeof p.nodePort === 'number' ? `${p.port}:${p.nodePort}/${proto}` : `${p.port}/${proto}`;
    })
    .join(',');
}

const servicePrinter: Printer = {
  columns: [
    nameCol,
    col('Type', 'The type of the service.'),
    col('Cluster-IP', 'The IP address of the service.'),
    col('External-IP', 'The external IP address of the service.'),
    col('Port(s)', 'The ports of the service.'),
    ageCol,
    col('Selector', 'Route service traffic to pods with label keys and values matching this selector.', 1),
  ],
  cells(o, now) {
    const spec = asDict(o.spec);
    const selector = Object.entries(asDict(spec.selector))
      .map(([k, v]) => `${k}=${String(v)}`)
      .sort()
      .join(',');
    const external = asArray(spec.externalIPs).join(',');
    return [
      o.metadata.name,
      str(spec.type, 'ClusterIP'),
      str(spec.clusterIP),
      external || '<none>',
      servicePorts(spec),
      age(o, now),
      selector || '<none>',
    ];
  },
};

const endpointSlicePrinter: Printer = {
  columns: [
    nameCol,
    col('AddressType', 'The IP protocol for this slice.'),
    col('Ports', 'The ports of this slice.'),
    col('Endpoints', 'The endpoints of this slice.'),
    ageCol,
  ],
  cells(o, now) {
    const ports = asArray(o.ports).map((p) => asDict(p).port);
    const addresses = asArray(o.endpoints).flatMap((e) => asArray(asDict(e).addresses).map(String));
    const shown = addresses.slice(0, 3).join(',');
    const more = addresses.length > 3 ? ` + ${addresses.length - 3} more...` : '';
    return [
      o.metadata.name,
      str(o.addressType, ''),
      ports.length ? ports.map((p) => (typeof p === 'number' ? String(p) : '<unset>')).join(',') : '<unset>',
      addresses.length ? shown + more : '<unset>',
      age(o, now),
    ];
  },
};

const configMapPrinter: Printer = {
  columns: [nameCol, col('Data', 'Data contains the configuration data.', 0, 'integer'), ageCol],
  cells(o, now) {
    return [o.metadata.name, Object.keys(asDict(o.data)).length + Object.keys(asDict(o.binaryData)).length, age(o, now)];
  },
};

const namespacePrinter: Printer = {
  columns: [nameCol, col('Status', 'The status of the namespace'), ageCol],
  cells(o, now) {
    return [o.metadata.name, str(asDict(o.status).phase, 'Active'), age(o, now)];
  },
};

const PRINTERS: Record<string, Printer> = {
  pods: podPrinter,
  services: servicePrinter,
  endpointslices: endpointSlicePrinter,
  configmaps: configMapPrinter,
  namespaces: namespacePrinter,
  ...STORED_KIND_PRINTERS,
};

/** Table rendering for a set of objects of one resource. */
export function toTable(
  resource: string,
  objects: KubeObject[],
  options: { resourceVersion: string; includeObject: IncludeObject; withColumns?: boolean; now?: number },
): Table {
  const printer = PRINTERS[resource] ?? { columns: [nameCol, ageCol], cells: (o: KubeObject, now: number) => [o.metadata.name, age(o, now)] };
  const now = options.now ?? Date.now();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: options.resourceVersion },
    columnDefinitions: options.withColumns === false ? [] : printer.columns,
    rows: objects.map((o) => {
      const row: TableRow = { cells: printer.cells(o, now) };
      if (options.includeObject === 'Object') row.object = o;
      else if (options.includeObject === 'Metadata') {
        row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
      }
      return row;
    }),
  };
}

/** True when the Accept header asks for a meta.k8s.io Table (kubectl get's human output). */
export function wantsTable(accept: string | undefined): boolean {
  return !!accept && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}
