// Runs once when the dashboard server starts: with ENVOY_LENS_COLLECT_KUBECONFIG or ENVOY_LENS_COLLECT=1 set (envoy-lens serve --collect, npm run demo), the live
// collector runs in this process too, and the analysis refreshes the findings. It starts in the background; the server does not wait for it.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { loadSettings } = await import('./lib/settings');
  const settings = loadSettings();
  if (!settings.collect) return;
  const { startEmbeddedCollector } = await import('./lib/kube/embedded-collector');
  void startEmbeddedCollector({ ...settings.collect, databaseUrl: settings.databaseUrl });
  // The findings the dashboard lists, kept fresh while the collector runs.
  const { startAnalysisLoop } = await import('./lib/analysis/analysis-loop');
  startAnalysisLoop(settings.databaseUrl, { everyMs: 5_000, suppress: settings.suppress, log: (line) => console.log(`envoy-lens: ${line}`) });
}
