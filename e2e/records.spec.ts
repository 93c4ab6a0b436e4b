import { expect, test } from '@playwright/test';

test.describe('requests page', () => {
  test('lists imported records newest first, with upstreams and request ids', async ({ page }) => {
    await page.goto('/requests');
    await expect(page.getByRole('heading', { name: 'Requests' })).toBeVisible();
    await expect(page.getByText('252 records match')).toBeVisible();
    await expect(page.getByText('253 lines read, 1 line rejected')).toBeVisible();
    const rows = page.locator('table[aria-label="requests"] tbody tr');
    await expect(rows).toHaveCount(100);
    await expect(rows.first()).toContainText('10.244.0.82:10000');
    await expect(page.locator('tbody')).toContainText('default/nginx-test-6df974c9f9-qksd4');
    await page.screenshot({ path: 'test-results/screenshots/requests.png', fullPage: false });
  });

  test('renders hostile log text as text and runs no script', async ({ page }) => {
    const dialogs: string[] = [];
    page.on('dialog', async (d) => {
      dialogs.push(d.message());
      await d.dismiss();
    });
    await page.goto('/requests');
    await expect(page.getByText('<img src=x onerror=alert(1)>', { exact: true })).toBeVisible();
    await expect(page.getByText('<script>alert(2)</script>', { exact: true })).toBeVisible();
    await expect(page.getByText('/test/<b>bold</b>').first()).toBeVisible();
    await expect(page.locator('tbody img')).toHaveCount(0);
    await expect(page.locator('tbody b')).toHaveCount(0);
    expect(dialogs).toEqual([]);
  });

  test('pages back through older records with a keyset link', async ({ page }) => {
    await page.goto('/requests');
    await page.getByRole('link', { name: 'Older →' }).click();
    // The next page keeps the window this one showed (pinned from/to), whatever arrives meanwhile.
    await expect(page).toHaveURL(/\?from=[^&]+&to=[^&]+&before=\d+_\d+$/);
    await expect(page.locator('table[aria-label="requests"] tbody tr')).toHaveCount(100);
    await page.getByRole('link', { name: 'Older →' }).click();
    await expect(page.locator('table[aria-label="requests"] tbody tr')).toHaveCount(52);
    await expect(page.getByRole('link', { name: 'Older →' })).toHaveCount(0);
  });

  test('answers a malformed query parameter with a message, not a crash', async ({ page }) => {
    const response = await page.goto('/requests?before=abc');
    expect(response?.status()).toBeLessThan(500);
    const alert = page.getByRole('alert').filter({ hasText: 'Bad link' });
    await expect(alert).toContainText('The query parameter before is not valid');
  });
});
