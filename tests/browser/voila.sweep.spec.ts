// 300 Optuna trials in Voila at 1280 px: the run table pages, best first, without console errors.
import { expect, test } from '@playwright/test';
import * as path from 'path';
import { collectErrors } from './helpers';
import { checkSweepTable } from './sweep';

const NOTEBOOK = 'tests/browser/notebooks/sweep.ipynb';
const ARTIFACTS = path.join(__dirname, 'artifacts');

test('Voila: a 300-trial sweep: 20 rows a page, the best first', async ({ page }) => {
  // Voila's own start-up on this offline machine: a CDN name it cannot resolve, and the notebook lab-extension it
  // loads but cannot share a module with (neither comes from the widget)
  const errors = collectErrors(page, [/ERR_NAME_NOT_RESOLVED/, /#RUNTIME-012/]);
  await page.goto(`/voila/render/${NOTEBOOK}`);
  await expect(page.locator('#loading')).toBeHidden({ timeout: 240_000 });
  const root = page.locator('.lossplot-widget').first();
  await checkSweepTable(root);
  await page.screenshot({ path: path.join(ARTIFACTS, 'voila-sweep.png'), fullPage: true });
  expect(errors).toEqual([]);
});
