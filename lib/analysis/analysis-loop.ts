// Keeps the stored findings fresh while a collector runs: the analysis every `everyMs` (never two at once) and once
// more on stop, so the dashboard and `envoy-lens findings` agree with the records. Failures are logged, never thrown.
import { openAnalysisStore } from '../store/analysis-store.ts';
import { refreshFindings } from './run-analysis.ts';

export interface AnalysisLoop {
  /** Runs the analysis once more, then stops. */
  stop(): Promise<void>;
}

export function startAnalysisLoop(databaseUrl: string, o: { everyMs?: number; suppress?: string[]; log: (line: string) => void }): AnalysisLoop {
  let current: Promise<void> = Promise.resolve();
  let lastError = '';
  const runOnce = () => {
    current = current.then(async () => {
      let store;
      try {
        store = await openAnalysisStore(databaseUrl);
        await refreshFindings(store, { suppress: o.suppress ?? [] });
        lastError = '';
      } catch (err) {
        const message = `analysis failed: ${(err as Error).message}`;
        if (message !== lastError) o.log(message);
        lastError = message;
      } finally {
        store?.close();
      }
    });
    return current;
  };
  const timer = setInterval(() => void runOnce(), o.everyMs ?? 30_000);
  timer.unref();
  void runOnce();
  return {
    async stop() {
      clearInterval(timer);
      await runOnce();
    },
  };
}
