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
  startRunAll,
  waitForIdleKernel,
  waitForNotebookDone
} from './helpers';

const NOTEBOOK = 'tests/browser/notebooks/live_train.ipynb';

// Notebook 7.6.5's own shortcuts plugin throws this on every page (also /tree, with no widget shown):
// reading `schema` of a settings plugin that is not loaded. Not ours; every other error fails the test.
const NOTEBOOK7_OWN_ERRORS = [/reading 'schema'\).*notebook_core/];

test('Notebook 7: the widget renders and grows while the training cell runs', async ({ page }) => {
  const errors = collectErrors(page, NOTEBOOK7_OWN_ERRORS);
  await page.goto(`/notebooks/${NOTEBOOK}`);
  await page.waitForFunction(() => (window as any).jupyterapp?.shell?.currentWidget?.content, undefined, {
    timeout: 60_000
  });
  await expect(page.locator('.jp-Notebook .jp-Cell').first()).toBeVisible({ timeout: 60_000 });
  await waitForIdleKernel(page);
  await startRunAll(page);

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
