// 300 Optuna trials in JupyterLab at 1280 px: the run table pages, best first, without console errors.
import { expect, test as labTest } from '@jupyterlab/galata';
import * as path from 'path';
import { collectErrors, openNotebook, startRunAll, waitForNotebookDone } from './helpers';
import { checkSweepTable } from './sweep';

const NOTEBOOK = 'tests/browser/notebooks/sweep.ipynb';
const ARTIFACTS = path.join(__dirname, 'artifacts');

labTest.use({ autoGoto: false });

labTest('a 300-trial sweep: 20 rows a page, the best first, muted curves', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto();
  await openNotebook(page, NOTEBOOK);
  await startRunAll(page);
  const root = page.locator('.lossplot-widget').first();
  await expect(root).toBeVisible({ timeout: 60_000 });
  await waitForNotebookDone(page, 240_000);
  await root.screenshot({ path: path.join(ARTIFACTS, 'lab-sweep.png') });
  await checkSweepTable(root);
  await root.screenshot({ path: path.join(ARTIFACTS, 'lab-sweep-page2.png') });
  expect(errors).toEqual([]);
});
