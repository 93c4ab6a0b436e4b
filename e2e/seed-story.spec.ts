// The seed story, in a real browser against the demo as `npm run demo` runs it (simulator, live collector inside the
// dashboard, demo panel): the leak is flagged with the Service IP and its fix; switching to the headless Service
// resolves it and the balance shows both backends near 50%; a request id opens its trace; the live view receives
// lines; hostile log text renders as text. Screenshots of every page land in test-results/screenshots/.
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';

/** The demo's data folder and screenshot name prefix, per project (the story runs on SQLite and on PostgreSQL). */
const demo = () => test.info().project.metadata as { demoDir: string; shotPrefix: string };
const shot = (page: Page, name: string, fullPage = true) =>
  page.screenshot({ path: `test-results/screenshots/${demo().shotPrefix}${name}.png`, fullPage });

/** Reloads until `check` passes: the collector and the analysis loop work in the background. */
async function eventually(page: Page, url: string, check: () => Promise<void>, timeoutMs = 45_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    await page.goto(url);
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > end) throw err;
      await page.waitForTimeout(1500);
    }
  }
}

test.describe.configure({ mode: 'serial' });

test.describe('the seed story', () => {
  const dialogs: string[] = [];
  test.beforeEach(({ page }) => {
    page.on('dialog', async (d) => {
      dialogs.push(d.message());
      await d.dismiss();
    });
  });
  test.afterAll(() => expect(dialogs).toEqual([]));

  test('the ClusterIP leak is flagged with the Service IP and the fix', async ({ page }) => {
    await eventually(page, '/findings', async () => {
      await expect(page.locator('[data-code="EL0001"]').first()).toContainText('10.105.148.194', { timeout: 1000 });
    });
    const leak = page.locator('[data-code="EL0001"]').first();
    await expect(leak).toContainText('backend-service');
    await expect(leak.getByRole('button', { name: /copy/i }).first()).toBeVisible();
    await expect(leak).toContainText('clusterIP: None');
    await expect(leak).toContainText('STRICT_DNS');
    await shot(page, 'findings');
    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
    await shot(page, 'overview');
  });

  test('switching to the headless Service resolves the leak; the balance shows both backends near 50%', async ({ page }) => {
    await page.goto('/balance');
    await page.getByRole('button', { name: 'Switch to the headless Service' }).click();
    await expect(page.getByRole('status')).toContainText('headless Service');
    // Balance over the window from the switch on: both backends, each near half.
    const since = new Date(Date.now() + 3000).toISOString();
    await eventually(page, `/balance?from=${encodeURIComponent(since)}&to=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`, async () => {
      const text = await page.locator('main').innerText();
      const shares = [...text.matchAll(/backend-7b9c5d8f6d-(?:4xk2p|9mzqw)[^\n%]*?(\d+(?:\.\d+)?)%/g)].map((m) => Number(m[1]));
      expect(shares.length).toBeGreaterThanOrEqual(2);
      for (const s of shares.slice(0, 2)) expect(Math.abs(s - 50)).toBeLessThan(10);
    }, 90_000);
    await shot(page, 'balance');
    // Thirty seconds of requests to pods only after the last one to the ClusterIP: the leak is kept as resolved.
    await eventually(page, '/findings', async () => {
      await expect(page.getByText(/ClusterIP leak resolved: Deployment default\/nginx-test reached Service default\/backend-service/)).toBeVisible({ timeout: 1000 });
    }, 120_000);
    await expect(page.locator('[data-code="EL0001"] .severity, [data-code="EL0001"] [class*="severity"]').first()).toContainText(/info/i);
    await shot(page, 'findings-resolved');
  });

  test('a request id in the requests table opens its trace', async ({ page }) => {
    await page.goto('/requests');
    await shot(page, 'requests', false);
    const link = page.locator('a[href^="/trace/"]').first();
    const id = decodeURIComponent((await link.getAttribute('href'))!.slice('/trace/'.length));
    await link.click();
    await expect(page).toHaveURL(/\/trace\//);
    await expect(page.locator('main')).toContainText(id);
    await expect(page.locator('main')).toContainText('nginx-test-6df974c9f9-qksd4');
    await shot(page, 'trace');
  });

  test('the live view receives lines', async ({ page }) => {
    await page.goto('/live');
    const rows = page.locator('main tbody tr');
    await expect(rows.first()).toBeVisible({ timeout: 20_000 });
    const before = await rows.count();
    await expect.poll(async () => rows.count(), { timeout: 20_000 }).toBeGreaterThan(before);
    await shot(page, 'live', false);
  });

  test('hostile text in the logs renders as text and runs nothing', async ({ page, request }) => {
    // The Envoy writes a line whose client-controlled fields carry markup (through the simulator's control API).
    const sim = /^API server: (\S+)$/m.exec(readFileSync(`${demo().demoDir}/simulator.out`, 'utf8'))![1]!;
    const status = (await (await request.get('/api/demo')).json()) as { pods: { name: string }[] };
    const pod = status.pods.find((p) => p.name.startsWith('default/nginx-test-'))!.name.slice('default/'.length);
    const line = `[${new Date().toISOString()}] "GET /test/<b>bold</b> HTTP/1.1" 200 40 3 <script>alert(2)</script> "<img src=x onerror=alert(1)>" "-" 10.244.0.81:10000 app_service -`;
    const injected = await request.post(`${sim}/_sim/pods/default/${pod}/containers/envoy/lines`, { data: { lines: [line] } });
    expect(injected.ok()).toBeTruthy();
    await eventually(page, `/requests?path=${encodeURIComponent('/test/<b>')}`, async () => {
      await expect(page.getByText('/test/<b>bold</b>').first()).toBeVisible({ timeout: 1000 });
    });
    await expect(page.getByText('<img src=x onerror=alert(1)>').first()).toBeVisible();
    await expect(page.getByText('<script>alert(2)</script>').first()).toBeVisible();
    await expect(page.locator('main img')).toHaveCount(0);
    await expect(page.locator('main b')).toHaveCount(0);
    await shot(page, 'requests-hostile', false);
  });

  test('every other page renders, in light and dark', async ({ page }) => {
    for (const [name, url] of [['responses', '/responses'], ['latency', '/latency'], ['sources', '/sources'], ['rules', '/rules'], ['rule', '/rules/EL0001']] as const) {
      const response = await page.goto(url);
      expect(response?.status(), url).toBe(200);
      await shot(page, name);
    }
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto('/balance');
    await shot(page, 'balance-dark');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/findings');
    await shot(page, 'findings-narrow');
  });
});
