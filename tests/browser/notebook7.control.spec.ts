// Notebook 7: the widget's Stop button ends a 30 s loop that blocks the kernel (latency printed).
import { expect, test } from '@playwright/test';
import {
  NOTEBOOK7_OWN_ERRORS,
  collectErrors,
  notebookBusy,
  printed,
  runAllInNotebook7,
  waitForNotebookDone
} from './helpers';

const NOTEBOOK = 'tests/browser/notebooks/stop_train.ipynb';

test('Notebook 7: Stop ends a blocking loop', async ({ page }) => {
  const errors = collectErrors(page, NOTEBOOK7_OWN_ERRORS);
  await runAllInNotebook7(page, NOTEBOOK);

  const widget = page.locator('.lossplot-widget').first();
  const stop = widget.locator('.lossplot-stop');
  await expect(stop).toBeVisible({ timeout: 60_000 });
  await expect(widget.locator('.lossplot-control-status span').first()).toHaveAttribute('title', /control: live/);
  await expect
    .poll(async () => (await notebookBusy(page)) && (await widget.locator('tr.lossplot-row').count()) > 0, {
      timeout: 60_000
    })
    .toBe(true);
  await page.waitForTimeout(1000);

  await stop.evaluate(el =>
    el.addEventListener('click', () => ((window as any).__lossplotClick = Date.now() / 1000), { once: true })
  );
  await stop.click();
  await waitForNotebookDone(page, 40_000);

  const cells = page.locator('.jp-Notebook .jp-Cell');
  const text = await cells.nth(2).locator('.jp-OutputArea-output').innerText();
  const clicked = await page.evaluate(() => (window as any).__lossplotClick as number);
  const stoppedAt = printed(text, 'STOPPED_AT');
  const elapsed = printed(text, 'ELAPSED');
  console.log(
    `Notebook 7: Stop click -> loop stopped ${((stoppedAt - clicked) * 1000).toFixed(1)} ms ` +
      `(loop ran ${elapsed} s of ~30 s)`
  );
  expect(elapsed).toBeLessThan(15);
  expect(stoppedAt).toBeGreaterThanOrEqual(clicked - 0.05);
  await expect(cells.nth(3).locator('.jp-OutputArea-output')).toContainText('AFTER=False');
  expect(errors).toEqual([]);
});
