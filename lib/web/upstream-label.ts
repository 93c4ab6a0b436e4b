// Who answered a request, in words: the pod or Service behind the upstream address at the record's time, with the
// address itself. Every page shows the upstream this way.

export interface UpstreamFields {
  upstreamHost: string | null;
  upstreamKind: 'pod' | 'service' | 'external' | 'unknown' | null;
  upstreamNamespace?: string | null;
  upstreamPod: string | null;
  upstreamService: string | null;
  upstreamAmbiguous?: boolean;
}

export interface UpstreamLabel {
  /** `pod-name`, `Service name`, `external`, `unknown`; null when the record names no upstream kind. */
  name: string | null;
  kind: UpstreamFields['upstreamKind'];
  /** ip:port as logged; null when not logged. */
  address: string | null;
  /** The IP changed hands near the record's time: the pod named may not be the one that answered. */
  uncertain: boolean;
}

export function upstreamLabel(r: UpstreamFields): UpstreamLabel {
  const uncertain = r.upstreamAmbiguous ?? false;
  let name: string | null = null;
  if (r.upstreamKind === 'service' && r.upstreamService) name = `Service ${r.upstreamService}`;
  else if (r.upstreamKind === 'pod' && r.upstreamPod) name = r.upstreamPod;
  else if (r.upstreamKind === 'external' || r.upstreamKind === 'unknown') name = r.upstreamKind;
  return { name, kind: r.upstreamKind, address: r.upstreamHost, uncertain };
}

/** One line of text: `pod-name (10.244.0.21:8080)`, `Service web (10.96.0.10:80)`, or just the address. */
export function upstreamText(r: UpstreamFields): string {
  const { name, address, uncertain } = upstreamLabel(r);
  const who = name ? `${name}${uncertain ? ' (?)' : ''}` : null;
  if (who && address) return `${who} (${address})`;
  return who ?? address ?? '–';
}
