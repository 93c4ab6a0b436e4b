// Small display rules shared by server and client components (this file imports nothing, so it costs a client
// bundle nothing).

/** The page of a request id: `/trace/<id>`, the id escaped as one path segment. */
export const traceHref = (requestId: string) => `/trace/${encodeURIComponent(requestId)}`;

/** The global CSS class that colours a status by its class (status-2 … status-5); none for no status. */
export function statusClassName(status: number | null): string {
  return status === null ? '' : `status-${Math.floor(status / 100)}`;
}

/** An ISO time as the tables show it: `2025-12-16 10:05:56.123` (UTC). */
export const tableTime = (iso: string | null) => (iso === null ? '–' : iso.replace('T', ' ').replace('Z', ''));
