// Voila: training started by a button blocks the kernel (it runs inside the click message); every control of the
// widget still acts while it runs (issue 25); latencies printed.
import { expect, test } from '@playwright/test';
import { printed } from './helpers';
import { exerciseControls, report, waitForTraining } from './live';

const APP = 'tests/browser/notebooks/voila_live_controls.ipynb';

test('Voila: every control acts while a button-started loop blocks, and Resume resumes', async ({ page }) => {
  await page.goto(`/voila/render/${APP}`);
  const start = page.locator('button.jupyter-button').filter({ hasText: /Train 60 s/ }).first();
  await expect(start).toBeVisible({ timeout: 120_000 });
  await expect(page.locator('#loading')).toBeHidden({ timeout: 120_000 });
  const result = page.locator('.control-app-result');
  const widget = page.locator('.lossplot-widget').first();
  const running = async () => (await result.innerText()).includes('training');
  await start.click();
  await waitForTraining(widget, running);
  const ms = await exerciseControls(page, widget, running);
  console.log(report('Voila', ms));
  expect(printed(await result.innerText(), 'ELAPSED')).toBeLessThan(58);
});
