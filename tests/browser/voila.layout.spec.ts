// A LiveLossWidget is an ipywidget: in Voila too it renders inside VBox/HBox/Tab layouts.
import { expect, test } from '@playwright/test';
import * as path from 'path';
import { rawPointCount } from './helpers';

const NOTEBOOK = 'tests/browser/notebooks/composed.ipynb';
const ARTIFACTS = path.join(__dirname, 'artifacts');

test('Voila: the composed layout renders every widget with its whole curve', async ({ page }) => {
  await page.goto(`/voila/render/${NOTEBOOK}`);
  await expect(page.locator('#loading')).toBeHidden({ timeout: 120_000 });
  const side = page.locator('.widget-hbox > .lossplot-widget');
  await expect(side).toHaveCount(2, { timeout: 60_000 });
  for (const i of [0, 1]) {
    await expect.poll(() => rawPointCount(side.nth(i)), { timeout: 30_000 }).toBe(200);
  }
  const inTab = page.locator('.widget-tab .lossplot-widget, .lm-TabPanel .lossplot-widget').first();
  await expect.poll(() => rawPointCount(inTab), { timeout: 30_000 }).toBe(200);
  await page.screenshot({ path: path.join(ARTIFACTS, 'voila-composed.png'), fullPage: true });
});
