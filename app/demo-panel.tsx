'use client';
// The demo panel: drives the built-in simulator so the seed story can be watched live: switch the Envoy to the
// headless Service and see the ClusterIP leak resolve and the balance fill with both backends; restart the Envoy;
// churn a backend pod; change the traffic rate. Shown only when the dashboard runs with the simulator.
import { useState } from 'react';

type Action = { action: 'config'; variant: 'clusterip' | 'headless' } | { action: 'restart-envoy' } | { action: 'churn' } | { action: 'rate'; rate: number };

export function DemoPanel() {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [rate, setRate] = useState(10);

  async function run(action: Action) {
    setBusy(true);
    try {
      const res = await fetch('/api/demo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(action) });
      const body = (await res.json()) as { message?: string; error?: string };
      setMessage(res.ok ? { text: body.message ?? 'done', error: false } : { text: body.error ?? `HTTP ${res.status}`, error: true });
    } catch (err) {
      setMessage({ text: (err as Error).message, error: true });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="demo-panel" aria-label="Demo panel">
      <strong>Demo</strong>
      <button type="button" disabled={busy} onClick={() => run({ action: 'config', variant: 'headless' })}>Switch to the headless Service</button>
      <button type="button" disabled={busy} onClick={() => run({ action: 'config', variant: 'clusterip' })}>Back to the ClusterIP Service</button>
      <button type="button" disabled={busy} onClick={() => run({ action: 'restart-envoy' })}>Restart Envoy</button>
      <button type="button" disabled={busy} onClick={() => run({ action: 'churn' })}>Replace a backend pod</button>
      <label>
        Rate <input type="number" min={0} max={2000} value={rate} onChange={(e) => setRate(Number(e.target.value))} aria-label="Requests per second" /> req/s
      </label>
      <button type="button" disabled={busy} onClick={() => run({ action: 'rate', rate })}>Set</button>
      {message && <span role="status" className={message.error ? 'demo-error' : 'demo-ok'}>{message.text}</span>}
    </section>
  );
}
