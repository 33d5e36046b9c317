// Notebook 7: the same live-training notebook renders the widget and updates it while the cell runs.
import { expect, test } from '@playwright/test';
import * as path from 'path';
import {
  collectErrors,
  linePaths,
  parsePath,
  pointCountsWhileBusy,
  printed,
  rawPointCount,
  NOTEBOOK7_OWN_ERRORS,
  runAllInNotebook7,
  waitForNotebookDone
} from './helpers';

const NOTEBOOK = 'tests/browser/notebooks/live_train.ipynb';

test('Notebook 7: the widget renders and grows while the training cell runs', async ({ page }) => {
  const errors = collectErrors(page, NOTEBOOK7_OWN_ERRORS);
  await runAllInNotebook7(page, NOTEBOOK);

  const widget = page.locator('.lossplot-widget').first();
  await expect(widget.locator('div.bqplot.figure')).toBeVisible({ timeout: 60_000 });
  const seenWhileBusy = await pointCountsWhileBusy(page, widget);
  const distinct = new Set(seenWhileBusy.filter(c => c > 0));
  expect(distinct.size, `point counts seen while busy: ${seenWhileBusy.join(',')}`).toBeGreaterThanOrEqual(3);
  await waitForNotebookDone(page, 60_000);

  const output = await page.locator('.jp-Notebook .jp-Cell').nth(2).locator('.jp-OutputArea-output').innerText();
  const n = printed(output, 'N');
  const last = printed(output, 'LAST');
  await expect.poll(() => rawPointCount(widget)).toBe(n);
  const row = widget.locator('tr.lossplot-row[data-metric="loss"]');
  await expect(row).toHaveAttribute('data-count', String(n));
  expect(Number(await row.getAttribute('data-last'))).toBe(last);
  expect(parsePath((await linePaths(widget))[0]).length).toBe(n);
  await widget.screenshot({ path: path.join(__dirname, 'artifacts', 'notebook7.png') });
  expect(errors).toEqual([]);
});
