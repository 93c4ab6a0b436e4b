import { PageLoading } from '../charts/page-loading';

export default function Loading() {
  return <PageLoading title="Latency" charts={3} />;
}
