// Keeps the stored findings fresh while a collector runs: the analysis every `everyMs`, and once more on stop, so
// the dashboard and `envoy-lens findings` agree with the records. A run over a busy hour reads every record of it, so
// the pause after a run is at least three times as long as the run took: the analysis never takes more than a quarter
// of the time from the collector sharing the database. Failures are logged, never thrown.
import { openAnalysisStore } from '../store/analysis-store.ts';
import { refreshFindings } from './run-analysis.ts';

export interface AnalysisLoop {
  /** Runs the analysis once more, then stops. */
  stop(): Promise<void>;
}

export function startAnalysisLoop(databaseUrl: string, o: { everyMs?: number; suppress?: string[]; log: (line: string) => void }): AnalysisLoop {
  const everyMs = o.everyMs ?? 30_000;
  let current: Promise<void> = Promise.resolve();
  let lastError = '';
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const runOnce = () => {
    current = current.then(async () => {
      const started = performance.now();
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
      if (!stopped) {
        timer = setTimeout(() => void runOnce(), Math.max(everyMs, 3 * (performance.now() - started)));
        timer.unref();
      }
    });
    return current;
  };
  void runOnce();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
      clearTimeout(timer);
      await runOnce();
    },
  };
}
