// Table printers for the kinds the simulator only stores (deploy/'s manifests): the apiserver's columns, filled from
// the object alone. No controller runs for them, so a Deployment or DaemonSet shows 0 pods, as one whose controller
// has not acted yet.
import type { KubeObject } from '../kube-object.ts';
import { age, ageCol, asArray, asDict, col, nameCol, str, type Dict, type Printer } from './table-columns.ts';

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

function selectorText(selector: unknown): string {
  const s = asDict(selector);
  const labels = Object.entries(asDict(s.matchLabels)).map(([k, v]) => `${k}=${String(v)}`);
  const exprs = asArray(s.matchExpressions).map((e) => {
    const x = asDict(e);
    const values = asArray(x.values).map(String).join(',');
    return values ? `${String(x.key)} ${String(x.operator).toLowerCase()} (${values})` : `${String(x.operator) === 'DoesNotExist' ? '!' : ''}${String(x.key)}`;
  });
  return [...labels, ...exprs].join(',') || '<none>';
}

/** CONTAINERS, IMAGES, SELECTOR: the `-o wide` columns of the workload printers. */
const wideColumns = [
  col('Containers', 'Names of each container in the template.', 1),
  col('Images', 'Images referenced by each container in the template.', 1),
  col('Selector', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', 1),
];

function wideCells(spec: Dict): string[] {
  const containers = asArray(asDict(asDict(spec.template).spec).containers).map(asDict);
  return [containers.map((c) => str(c.name, '')).join(','), containers.map((c) => str(c.image, '')).join(','), selectorText(spec.selector)];
}

const deploymentPrinter: Printer = {
  columns: [
    nameCol,
    col('Ready', 'Number of the pod with ready state'),
    col('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', 0, 'integer'),
    col('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', 0, 'integer'),
    ageCol,
    ...wideColumns,
  ],
  cells(o, now) {
    const spec = asDict(o.spec);
    const status = asDict(o.status);
    const desired = typeof spec.replicas === 'number' ? spec.replicas : 1;
    return [o.metadata.name, `${num(status.readyReplicas)}/${desired}`, num(status.updatedReplicas), num(status.availableReplicas), age(o, now), ...wideCells(spec)];
  },
};

const daemonSetPrinter: Printer = {
  columns: [
    nameCol,
    col('Desired', 'The desired number of nodes that should be running the daemon pod.', 0, 'integer'),
    col('Current', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.', 0, 'integer'),
    col('Ready', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.', 0, 'integer'),
    col('Up-to-date', 'The total number of nodes that are running updated daemon pod', 0, 'integer'),
    col('Available', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)', 0, 'integer'),
    col('Node Selector', 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
    ageCol,
    ...wideColumns,
  ],
  cells(o, now) {
    const spec = asDict(o.spec);
    const status = asDict(o.status);
    const nodeSelector = Object.entries(asDict(asDict(asDict(spec.template).spec).nodeSelector)).map(([k, v]) => `${k}=${String(v)}`).join(',');
    return [
      o.metadata.name,
      num(status.desiredNumberScheduled),
      num(status.currentNumberScheduled),
      num(status.numberReady),
      num(status.updatedNumberScheduled),
      num(status.numberAvailable),
      nodeSelector || '<none>',
      age(o, now),
      ...wideCells(spec),
    ];
  },
};

const secretPrinter: Printer = {
  columns: [nameCol, col('Type', 'The type of the secret'), col('Data', 'The number of entries in the data', 0, 'integer'), ageCol],
  cells(o, now) {
    return [o.metadata.name, str(o.type, 'Opaque'), Object.keys(asDict(o.data)).length, age(o, now)];
  },
};

const serviceAccountPrinter: Printer = {
  columns: [nameCol, col('Secrets', 'Secrets is the list of secrets allowed to be used by pods running using this ServiceAccount.', 0, 'integer'), ageCol],
  cells(o, now) {
    return [o.metadata.name, asArray(o.secrets).length, age(o, now)];
  },
};

const clusterRolePrinter: Printer = {
  columns: [nameCol, col('Created At', 'CreationTimestamp is a timestamp representing the server time when this object was created.', 0, 'date')],
  cells(o: KubeObject) {
    return [o.metadata.name, o.metadata.creationTimestamp ?? '<unknown>'];
  },
};

function subjectsOf(o: KubeObject, kind: string): string {
  const names = asArray(o.subjects)
    .map(asDict)
    .filter((s) => s.kind === kind)
    .map((s) => (kind === 'ServiceAccount' ? `${str(s.namespace, '')}/${str(s.name, '')}` : str(s.name, '')));
  return names.join(', ');
}

const clusterRoleBindingPrinter: Printer = {
  columns: [
    nameCol,
    col('Role', 'Role references the role this binding grants.'),
    ageCol,
    col('Users', 'Users in the binding', 1),
    col('Groups', 'Groups in the binding', 1),
    col('ServiceAccounts', 'ServiceAccounts in the binding', 1),
  ],
  cells(o, now) {
    const ref = asDict(o.roleRef);
    return [o.metadata.name, `${str(ref.kind, '')}/${str(ref.name, '')}`, age(o, now), subjectsOf(o, 'User'), subjectsOf(o, 'Group'), subjectsOf(o, 'ServiceAccount')];
  },
};

export const STORED_KIND_PRINTERS: Record<string, Printer> = {
  deployments: deploymentPrinter,
  daemonsets: daemonSetPrinter,
  secrets: secretPrinter,
  serviceaccounts: serviceAccountPrinter,
  clusterroles: clusterRolePrinter,
  clusterrolebindings: clusterRoleBindingPrinter,
};
