// Voila: training started by a button runs on the kernel's main thread inside the click message (it blocks
// the kernel); the widget's Stop button still ends it (latency printed), and Start runs again afterwards.
import { expect, test } from '@playwright/test';
import { printed } from './helpers';

const APP = 'tests/browser/notebooks/voila_stop.ipynb';

test('Voila: Stop ends a button-started blocking loop, and Start runs again', async ({ page }) => {
  await page.goto(`/voila/render/${APP}`);
  const start = page.locator('button.jupyter-button').filter({ hasText: /Start 30 s/ }).first();
  const widget = page.locator('.lossplot-widget').first();
  const stop = widget.locator('.lossplot-stop');
  const result = page.locator('.control-app-result');
  await expect(start).toBeVisible({ timeout: 120_000 });
  await expect(page.locator('#loading')).toBeHidden({ timeout: 120_000 });
  await expect(widget.locator('.lossplot-control-status span').first()).toHaveAttribute('title', /control: live/);

  for (let round = 1; round <= 2; round++) {
    await start.click();
    await expect(result).toContainText('training', { timeout: 10_000 });
    await page.waitForTimeout(1500);
    await stop.evaluate(el =>
      el.addEventListener('click', () => ((window as any).__lossplotClick = Date.now() / 1000), { once: true })
    );
    await stop.click();
    await expect(result).toContainText('STOPPED_AT=', { timeout: 20_000 });
    const text = await result.innerText();
    const clicked = await page.evaluate(() => (window as any).__lossplotClick as number);
    const stoppedAt = printed(text, 'STOPPED_AT');
    const elapsed = printed(text, 'ELAPSED');
    console.log(
      `Voila (button-started, round ${round}): Stop click -> loop stopped ` +
        `${((stoppedAt - clicked) * 1000).toFixed(1)} ms (loop ran ${elapsed} s of ~30 s)`
    );
    expect(elapsed).toBeLessThan(15);
    expect(stoppedAt).toBeGreaterThanOrEqual(clicked - 0.05);
  }
});
