// GET /api/demo – the simulator's traffic rate and pods, for the demo panel.
// POST /api/demo – one demo action ({action: config|restart-envoy|churn|rate, …}) carried out on the simulator.
// Both answer 404 unless the dashboard runs with a simulator (npm run demo, envoy-lens serve --simulator-url).
import { demoActionSchema, demoState, runDemoAction } from '../../../lib/kube/simulator/demo-control';
import { loadSettings } from '../../../lib/settings';
import { refuseCrossSite } from '../../../lib/web/same-origin';
import { timedRoute } from '../../../lib/web/request-metrics';

export const dynamic = 'force-dynamic';
export const GET = timedRoute('/api/demo', get);
export const POST = timedRoute('/api/demo', post);

const noSimulator = () => Response.json({ error: 'this dashboard runs without the simulator: the demo panel is off' }, { status: 404 });

async function get(): Promise<Response> {
  const { simulatorUrl } = loadSettings();
  if (!simulatorUrl) return noSimulator();
  try {
    return Response.json(await demoState(simulatorUrl));
  } catch (err) {
    return Response.json({ error: `the simulator did not answer: ${(err as Error).message}` }, { status: 502 });
  }
}

async function post(request: Request): Promise<Response> {
  const { simulatorUrl } = loadSettings();
  if (!simulatorUrl) return noSimulator();
  const refused = refuseCrossSite(request);
  if (refused) return Response.json({ error: refused.error }, { status: refused.status });
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return Response.json({ error: 'the body must be JSON like {"action":"config","variant":"headless"}' }, { status: 400 });
  }
  const action = demoActionSchema.safeParse(body);
  if (!action.success) {
    const issue = action.error.issues[0]!;
    return Response.json({ error: `${issue.path.join('.') || 'body'}: ${issue.message}` }, { status: 400 });
  }
  try {
    return Response.json({ message: await runDemoAction(simulatorUrl, action.data) });
  } catch (err) {
    return Response.json({ error: (err as Error).message }, { status: 502 });
  }
}
