// Notebook 7: every control acts while a cell blocks the kernel (issue 25); latencies printed.
import { expect, test } from '@playwright/test';
import { NOTEBOOK7_OWN_ERRORS, collectErrors, notebookBusy, printed, runAllInNotebook7 } from './helpers';
import { LOG_OFF_TICKS, exerciseControls, report, waitForTraining } from './live';

const NOTEBOOK = 'tests/browser/notebooks/live_controls.ipynb';

test('Notebook 7: every control acts while a cell blocks, and Resume resumes', async ({ page }) => {
  const errors = collectErrors(page, [...NOTEBOOK7_OWN_ERRORS, LOG_OFF_TICKS]);
  await runAllInNotebook7(page, NOTEBOOK);
  const widget = page.locator('.lossplot-widget').first();
  const running = () => notebookBusy(page);
  await waitForTraining(widget, running);
  const ms = await exerciseControls(page, widget, running);
  console.log(report('Notebook 7', ms));
  const out = await page.locator('.jp-Notebook .jp-Cell').nth(2).locator('.jp-OutputArea-output').innerText();
  expect(printed(out, 'ELAPSED')).toBeLessThan(58);
  expect(errors).toEqual([]);
});
