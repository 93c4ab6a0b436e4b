// One Envoy process in a container: where its bootstrap comes from, the simulated sidecar built from it, and what
// happens when that bootstrap changes. A hot restart (epoch + 1) replaces the sidecar in the same container; a config
// Envoy refuses leaves the old epoch serving. Building a sidecar from text that Envoy would reject fails with the
// reason, which the kubelet turns into a crash at start.
import type { EnvoyConfigSource } from '../../../envoy/config/pod-config-source.ts';
import { EnvoySidecar, type EnvoySidecarOptions } from '../scenario/envoy-sidecar.ts';
import type { EnvoyRole } from '../scenario/scenario-spec.ts';

export type SidecarFactory = (text: string, fileName: string, epoch: number) => EnvoySidecar;

/** Builds the sidecar of one container; the options are the pod's (IP, name, callers) and the cluster's (reachability). */
export function sidecarFactory(base: EnvoySidecarOptions): SidecarFactory {
  return (text, fileName, epoch) => new EnvoySidecar(text, { ...base, fileName, seed: (base.seed ?? 1) + epoch * 7919 });
}

export class EnvoyProcess {
  /** Hot-restart epoch: 0 at container start. */
  epoch = 0;

  constructor(
    readonly role: EnvoyRole,
    readonly source: EnvoyConfigSource,
    /** The bootstrap text the running epoch loaded. */
    public configText: string,
    public sidecar: EnvoySidecar,
    private readonly build: SidecarFactory,
  ) {}

  /** The file Envoy reads, for its messages. */
  get configPath(): string {
    return this.source.kind === 'configmap' ? this.source.path : this.source.kind === 'unresolved' ? (this.source.path ?? '/etc/envoy/envoy.yaml') : '--config-yaml';
  }

  /**
   * Hot restart on a new bootstrap: the new epoch takes over when the config loads; otherwise the running epoch keeps
   * serving and the error is returned.
   */
  hotRestart(text: string): { ok: true } | { ok: false; error: string } {
    try {
      const next = this.build(text, this.configPath, this.epoch + 1);
      this.sidecar = next;
      this.configText = text;
      this.epoch++;
      return { ok: true };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }
}
