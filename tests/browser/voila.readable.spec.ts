// Voila: the 100x-start curve gets a readable y range, the toolbar is one line at 800 and 1280 px, and the
// CSV download arrives and parses. Screenshots at both widths.
import { expect, test } from '@playwright/test';
import * as path from 'path';
import { csvCounts, downloadCsv, rawPointCount, toolbarRows, yTicks } from './helpers';

const NOTEBOOK = 'tests/browser/notebooks/readable.ipynb';
const ARTIFACTS = path.join(__dirname, 'artifacts');

test('Voila: readable y range, one-line toolbar, CSV download', async ({ page }) => {
  await page.goto(`/voila/render/${NOTEBOOK}`);
  await expect(page.locator('#loading')).toBeHidden({ timeout: 120_000 });
  const widget = page.locator('.lossplot-widget').first();
  await expect.poll(() => rawPointCount(widget), { timeout: 30_000 }).toBeGreaterThan(100);
  const lossPanel = widget.locator('.lossplot-panel').first();
  await expect(lossPanel.locator('.lossplot-clipped')).toContainText('y clipped');
  const ticks = (await yTicks(lossPanel)).map(t => t.value);
  expect(Math.max(...ticks), `ticks ${ticks}`).toBeLessThan(2);
  const counts = csvCounts(await downloadCsv(page, widget));
  expect(counts['loss']).toBe(300);
  for (const width of [1280, 800]) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(500);
    expect(await toolbarRows(widget), `toolbar rows at ${width} px`).toBe(1);
    await widget.screenshot({ path: path.join(ARTIFACTS, `voila-readable-${width}.png`) });
  }
});
