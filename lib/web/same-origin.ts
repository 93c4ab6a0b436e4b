// State-changing API routes (the demo panel's actions) must come from the dashboard's own pages: a form or a
// text/plain fetch from another site needs no CORS preflight, so without this check any web page open in the same
// browser could drive the simulator. JSON only, and no cross-site request by Sec-Fetch-Site or Origin.

/** Why a state-changing request is refused, with the HTTP status; null when it may go on. */
export function refuseCrossSite(request: Request): { status: number; error: string } | null {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/json(\s*;|$)/i.test(type)) return { status: 415, error: 'send JSON (content-type: application/json)' };
  const site = request.headers.get('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return { status: 403, error: `refused a ${site} request: only the dashboard's own pages may do this` };
  const origin = request.headers.get('origin');
  if (origin) {
    let originHost: string | null = null;
    try {
      originHost = new URL(origin).host;
    } catch {
      // "null" (a sandboxed frame, a file:// page) or garbage: not the dashboard.
    }
    const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host');
    if (!originHost || !host || originHost !== host) return { status: 403, error: 'refused a request from another origin' };
  }
  return null;
}
