import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import './globals.css';

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
          <nav>
            <a href="/">Requests</a>
            <a href="/findings">Findings</a>
            <a href="/rules">Rules</a>
          </nav>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
