// Overview (placeholder until the overview page lands): where to go.
export default function OverviewPage() {
  return (
    <div>
      <h1>Overview</h1>
      <p><a href="/requests">Requests</a> · <a href="/findings">Findings</a></p>
    </div>
  );
}
