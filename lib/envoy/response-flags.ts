// What Envoy's RESPONSE_FLAGS short codes mean (Envoy's access-log documentation, CORE_RESPONSE_FLAGS), for pages and
// reports that show a flag next to its count. Extensions may log other all-caps codes: those have no meaning here.

export const RESPONSE_FLAG_MEANINGS: Readonly<Record<string, string>> = {
  UH: 'No healthy upstream host (503)',
  UF: 'Upstream connection failure (503)',
  UO: 'Upstream overflow: circuit breaker open (503)',
  NR: 'No route configured (404), or no matching filter chain',
  URX: 'Retry limit or maximum connect attempts reached',
  NC: 'Upstream cluster not found',
  DT: 'Request or connection exceeded its maximum duration',
  DC: 'Downstream connection terminated',
  LH: 'Local health check failed (503)',
  UT: 'Upstream request timeout (504)',
  LR: 'Connection local reset',
  UR: 'Upstream remote reset',
  UC: 'Upstream connection termination',
  DI: 'Request delayed by fault injection',
  FI: 'Request aborted by fault injection',
  RL: 'Rate limited locally (429)',
  UAEX: 'Denied by the external authorization service',
  RLSE: 'Rate-limit service error',
  IH: 'Invalid value in a strictly checked header (400)',
  SI: 'Stream idle timeout (408)',
  DPE: 'Downstream protocol error',
  UPE: 'Upstream protocol error',
  UMSDR: 'Upstream request reached its maximum stream duration',
  RFCF: 'Response served from the cache filter',
  NFCF: 'No filter configuration found',
  OM: 'Overload manager terminated the request',
  DF: 'DNS resolution failed',
  DO: 'Dropped by drop_overload',
  DR: 'Downstream remote reset',
};

/** The meaning of one short code; null for a code Envoy's core does not define (an extension's own). */
export function responseFlagMeaning(code: string): string | null {
  return Object.hasOwn(RESPONSE_FLAG_MEANINGS, code) ? RESPONSE_FLAG_MEANINGS[code]! : null;
}
