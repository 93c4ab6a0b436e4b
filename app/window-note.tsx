// The line under a chart page's title: the time range shown (UTC) and the width of its buckets.
import type { ReactNode } from 'react';
import { formatDuration, formatTime } from './charts/chart-format';

export function WindowNote({ fromMs, toMs, bucketMs, children }: { fromMs: number; toMs: number; bucketMs: number; children?: ReactNode }) {
  return (
    <p className="summary">
      {formatTime(fromMs)} – {formatTime(toMs)} ({formatDuration(toMs - fromMs)}) · buckets of {formatDuration(bucketMs)}
      {children}
    </p>
  );
}
