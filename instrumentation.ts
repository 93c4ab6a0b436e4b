// Runs once when the dashboard server starts: with ENVOY_LENS_COLLECT_KUBECONFIG set (npm run demo sets it), the live
// collector runs in this process too, and the analysis refreshes the findings. It starts in the background; the server does not wait for it.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { loadSettings } = await import('./lib/settings');
  const settings = loadSettings();
  if (!settings.collectKubeconfig) return;
  const { startEmbeddedCollector } = await import('./lib/kube/embedded-collector');
  void startEmbeddedCollector({ kubeconfig: settings.collectKubeconfig, databaseUrl: settings.databaseUrl });
  // The findings the dashboard lists, kept fresh while the collector runs.
  const { startAnalysisLoop } = await import('./lib/analysis/analysis-loop');
  startAnalysisLoop(settings.databaseUrl, { everyMs: 15_000, suppress: settings.suppress, log: (line) => console.log(`envoy-lens: ${line}`) });
}
