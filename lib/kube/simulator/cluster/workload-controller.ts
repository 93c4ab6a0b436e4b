// The ReplicaSet and DaemonSet controllers: keep the number of live (not terminating) pods of each workload at its
// replica count, one per node for a DaemonSet. A deleted pod is replaced as soon as its deletion starts, as a real
// ReplicaSet does, so the replacement runs while the old pod still terminates.
import { seededRandom } from '../../../sample/seeded-random.ts';
import type { NodeSpec, WorkloadSpec } from '../scenario/scenario-spec.ts';
import { generatedPodName } from '../scenario/workload-pods.ts';
import { KubeletError, type Kubelet } from './kubelet.ts';
import type { PodModel } from './pod-model.ts';

export class WorkloadController {
  private readonly workloads: WorkloadSpec[];
  private readonly replicas = new Map<string, number>();
  private readonly rand: () => number;
  /** Set while reconcile deletes pods itself, so their deletion does not re-enter it. */
  private reconciling = false;

  constructor(
    private readonly kubelet: Kubelet,
    workloads: WorkloadSpec[],
    private readonly nodes: NodeSpec[],
    seed: number,
  ) {
    this.workloads = workloads;
    for (const w of workloads) this.replicas.set(keyOf(w), w.kind === 'DaemonSet' ? nodes.length : (w.replicas ?? 1));
    this.rand = seededRandom(seed ^ 0x5eed);
  }

  /** Starts the scenario's pods: the pinned initial pods first, then as many more as the replica count asks. */
  start(): void {
    for (const w of this.workloads) {
      for (const p of w.initialPods ?? []) this.kubelet.runPod(w, p);
      this.reconcile(w);
    }
  }

  list(): { workload: WorkloadSpec; replicas: number; pods: string[] }[] {
    return this.workloads.map((w) => ({ workload: w, replicas: this.replicas.get(keyOf(w))!, pods: this.live(w).map((p) => p.name) }));
  }

  find(namespace: string, name: string): WorkloadSpec {
    const w = this.workloads.find((x) => x.namespace === namespace && x.name === name);
    if (!w) throw new KubeletError(404, `no workload ${namespace}/${name}; the scenario has ${this.workloads.map((x) => `${x.namespace}/${x.name}`).join(', ')}`);
    return w;
  }

  /** A pod of `w` started terminating: replace it. */
  onPodDeleting(pod: PodModel): void {
    if (pod.workload && !this.reconciling) this.reconcile(pod.workload);
  }

  scale(namespace: string, name: string, replicas: number): void {
    const w = this.find(namespace, name);
    if (w.kind === 'DaemonSet') throw new KubeletError(400, `${namespace}/${name} is a DaemonSet: one pod per node, it does not scale`);
    this.replicas.set(keyOf(w), replicas);
    this.reconcile(w);
  }

  /** Deletes the oldest live pod of a workload (gracefully); its replacement starts at once. Returns the pod deleted. */
  churn(namespace: string, name: string, gracePeriodSeconds?: number): string {
    const w = this.find(namespace, name);
    const oldest = this.live(w).sort((a, b) => a.createdMs - b.createdMs)[0];
    if (!oldest) throw new KubeletError(409, `${namespace}/${name} has no live pod to delete`);
    this.kubelet.deletePod(oldest.namespace, oldest.name, gracePeriodSeconds);
    return oldest.name;
  }

  private live(w: WorkloadSpec): PodModel[] {
    return this.kubelet.list().filter((p) => p.workload === w && p.deletingSince === undefined && !p.gone);
  }

  reconcile(w: WorkloadSpec): void {
    const live = this.live(w);
    if (w.kind === 'DaemonSet') {
      for (const node of this.nodes) {
        if (!live.some((p) => p.node === node.name)) this.kubelet.runPod(w, { name: this.freshName(w), node: node.name });
      }
      return;
    }
    const want = this.replicas.get(keyOf(w))!;
    for (let i = live.length; i < want; i++) this.kubelet.runPod(w, { name: this.freshName(w), node: this.leastLoadedNode() });
    // Scale down: the newest pods go first, as the ReplicaSet controller prefers younger pods.
    const extra = live.sort((a, b) => b.createdMs - a.createdMs).slice(0, Math.max(0, live.length - want));
    this.reconciling = true;
    try {
      for (const p of extra) this.kubelet.deletePod(p.namespace, p.name);
    } finally {
      this.reconciling = false;
    }
  }

  private freshName(w: WorkloadSpec): string {
    for (;;) {
      const name = generatedPodName(w, this.rand);
      if (!this.kubelet.get(w.namespace, name)) return name;
    }
  }

  private leastLoadedNode(): string {
    const counts = new Map(this.nodes.map((n) => [n.name, 0]));
    for (const p of this.kubelet.list()) if (!p.gone) counts.set(p.node, (counts.get(p.node) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => a[1] - b[1])[0]![0];
  }
}

const keyOf = (w: WorkloadSpec) => `${w.namespace}/${w.name}`;
