// One Envoy cluster on the Balance page: what it balances over (Service, policy), where its records went, the split
// over upstream pods against the expected shares, the split over time, and each source sidecar on its own.
import type { BalanceSlice, SourceBalance } from '../../lib/analysis/balance';
import { balanceVerdict, type BalanceVerdict, type ClusterView } from '../../lib/analysis/balance-view';
import { formatValue } from '../charts/chart-format';
import { ShareBarChart } from '../charts/share-bar-chart';
import { TimeSeriesChart } from '../charts/time-series-chart';
import { podLabeller, shareBars, shareOverTime } from './balance-chart-data';

type Window = { fromMs: number; toMs: number; bucketMs: number };

const verdictText: Record<BalanceVerdict, string> = {
  uneven: 'Uneven: too far from the expected split to be chance',
  'slightly-uneven': 'Slightly uneven: beyond chance, but within the margin the imbalance finding allows',
  even: 'Consistent with the expected split',
  untested: 'Not tested',
};

const sourceName = (s: SourceBalance) => (s.source === null ? 'all sidecars' : s.source.pod ? `${s.source.namespace ?? ''}/${s.source.pod}` : 'the imported file');

export function ClusterSection({ view, window, index }: { view: ClusterView; window: Window; index: number }) {
  const { cluster, main } = view;
  const order = cluster.overall.window.pods.map((p) => p.key);
  const label = podLabeller(order);
  // A list only when the main view is over several sidecars (with one, the list would repeat it).
  const sidecars = main.source === null && cluster.sources.length > 1 ? view.sources : [];
  return (
    <section className="cluster" aria-labelledby={`cluster-${index}`}>
      <h2 id={`cluster-${index}`}>{cluster.label}</h2>
      <ul className="facts">
        <li>Service <b>{cluster.service ? `${cluster.service.namespace}/${cluster.service.name}` : 'none found'}</b>{cluster.service?.headless && ' (headless)'}</li>
        <li>Policy <b>{main.policy ?? 'mixed'}</b>{!main.policyKnown && ' (assumed: config not seen)'}</li>
        <li>Records <b>{formatValue(main.window.records, 'count')}</b></li>
        <li>Showing <b>{main.source === null ? `${cluster.sources.length} sidecar${cluster.sources.length === 1 ? '' : 's'}` : sourceName(main)}</b>
          {main.source === null && view.hiddenSources > 0 && ` (${view.sources.length} match the filters)`}</li>
      </ul>
      {cluster.serviceReason && <p className="summary">{cluster.serviceReason}</p>}
      <SliceBody slice={main.window} source={main} order={order} label={label} window={window} level={3} withTime />
      {sidecars.length > 0 && <h3>Per source sidecar</h3>}
      {sidecars.map((s) => (
        <details key={s.key} className="sidecar">
          <summary><b>{sourceName(s)}</b> · {formatValue(s.window.records, 'count')} records · {verdictText[balanceVerdict(s.window)].split(':')[0]}</summary>
          <SliceBody slice={s.window} source={s} order={order} label={label} window={window} level={4} />
        </details>
      ))}
    </section>
  );
}

function SliceBody({ slice, source, order, label, window, level, withTime = false }: {
  slice: BalanceSlice; source: SourceBalance; order: string[]; label: (key: string) => string; window: Window; level: 3 | 4; withTime?: boolean;
}) {
  const podRecords = slice.pods.reduce((sum, p) => sum + p.requests, 0);
  const from = sourceName(source);
  return (
    <>
      {source.expectationReason && <p className="callout">No expected split: {source.expectationReason}.</p>}
      {slice.serviceUpstreams.count > 0 && (
        <p className="callout">
          {formatValue(slice.serviceUpstreams.count, 'count')} of {formatValue(slice.records, 'count')} records went to a Service ClusterIP
          ({slice.serviceUpstreams.services.map((s) => `${s.namespace ?? '?'}/${s.name ?? '?'} ${s.ip ?? ''}`.trim()).join(', ')}):
          Envoy saw one host, and kube-proxy chose the pod unseen, so the split over pods cannot be seen. <a href="/findings">See the ClusterIP leak finding</a>.
        </p>
      )}
      {podRecords > 0 && <Imbalance slice={slice} expected={source.expectation === 'equal-share'} />}
      <OtherUpstreams slice={slice} />
      {podRecords === 0 ? <p className="summary">No records went to pods: nothing to chart.</p> : (
        <div className="chart-grid">
          <ShareBarChart title={`Requests per upstream pod (${from})`} level={level} bars={shareBars(slice, order, label)}
            caption={source.expectation === 'equal-share'
              ? 'Each pod’s share of the records to pods; the tick is the share it should have got from the endpoints ready at each request.'
              : 'Each pod’s share of the records to pods.'} />
          {withTime && (
            <TimeSeriesChart title="Share over time" level={level} unit="share" yMax={1} bucketMs={window.bucketMs}
              points={shareOverTime(source, window, order)} series={order.map((key, k) => ({ key: `p${k}`, label: label(key) }))}
              caption="Each pod’s share of the records to pods, per bucket. Gaps: no records to pods." />
          )}
        </div>
      )}
    </>
  );
}

function Imbalance({ slice, expected }: { slice: BalanceSlice; expected: boolean }) {
  if (!expected) return null;
  const i = slice.imbalance;
  const verdict = balanceVerdict(slice);
  return (
    <ul className="facts imbalance" aria-label="Imbalance">
      <li><b className={`verdict-${verdict}`}>{verdictText[verdict]}</b>{i.reason && ` (${i.reason})`}</li>
      <li>busiest / quietest <b>{i.zeroPod ? 'a ready pod got none' : i.maxMinRatio === null ? '–' : `${i.maxMinRatio.toFixed(2)}×`}</b></li>
      {i.chiSquare !== null && <li>χ² <b>{i.chiSquare.toFixed(1)}</b> (df {i.df})</li>}
      {i.pValue !== null && <li>p-value <b>{i.pValue < 1e-4 ? i.pValue.toExponential(1) : i.pValue.toPrecision(2)}</b></li>}
      <li>tested <b>{formatValue(slice.tested, 'count')}</b> records to ready endpoints</li>
    </ul>
  );
}

function OtherUpstreams({ slice }: { slice: BalanceSlice }) {
  const parts = [
    [slice.outsideEndpoints.count, 'to pods that were not ready endpoints then'],
    [slice.unknownUpstreams, 'to addresses no pod or Service held'],
    [slice.externalUpstreams, 'to addresses outside the cluster'],
    [slice.noUpstream, 'answered by Envoy itself (no upstream)'],
    [slice.ambiguous, 'near an IP hand-over (attributed less surely)'],
  ] as const;
  const shown = parts.filter(([n]) => n > 0);
  if (shown.length === 0) return null;
  return <p className="summary">Also: {shown.map(([n, what]) => `${formatValue(n, 'count')} ${what}`).join(' · ')}.</p>;
}
