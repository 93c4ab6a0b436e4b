import { PageLoading } from '../charts/page-loading';

export default function Loading() {
  return <PageLoading title="Responses" charts={2} />;
}
