// The root's loading state: the Overview's, and that of any page without its own, so it names no page.
import { PageLoading } from './charts/page-loading';

export default function Loading() {
  return <PageLoading charts={1} />;
}
