import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import './globals.css';
import { loadSettings } from '../lib/settings';
import { DemoPanel } from './demo-panel';

export const metadata: Metadata = {
  title: 'envoy-lens',
  description: 'Which upstream served every request behind your Envoy sidecars.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="topbar">
          <a href="/" className="brand">envoy-lens</a>
          <nav aria-label="Pages">
            <a href="/">Overview</a>
            <a href="/balance">Balance</a>
            <a href="/responses">Responses</a>
            <a href="/latency">Latency</a>
            <a href="/findings">Findings</a>
            <a href="/requests">Requests</a>
            <a href="/live">Live</a>
            <a href="/sources">Sources</a>
            <a href="/rules">Rules</a>
          </nav>
        </header>
        {loadSettings().simulatorUrl && <DemoPanel />}
        <main>{children}</main>
      </body>
    </html>
  );
}
