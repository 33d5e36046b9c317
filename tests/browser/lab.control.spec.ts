// JupyterLab: the widget's Stop button ends a 30 s loop that blocks the kernel, with comms over subshells
// (JupyterLab's default) and without. The click-to-stop latency is printed; the test asserts only that the
// loop stopped long before it would have ended and that the next cell ran normally.
import { expect, galata, test } from '@jupyterlab/galata';
import { collectErrors, notebookBusy, openNotebook, printed, startRunAll, waitForNotebookDone } from './helpers';

const NOTEBOOK = 'tests/browser/notebooks/stop_train.ipynb';
const KERNELS = '@jupyterlab/apputils-extension:kernels-settings';

test.use({ autoGoto: false });

for (const comms of ['perCommTarget', 'disabled']) {
  test.describe(`JupyterLab, commsOverSubshells=${comms}`, () => {
    test.use({ mockSettings: { ...galata.DEFAULT_SETTINGS, [KERNELS]: { commsOverSubshells: comms } } });

    test('Stop ends a blocking loop', async ({ page }) => {
      const errors = collectErrors(page);
      await page.goto();
      await openNotebook(page, NOTEBOOK);
      await startRunAll(page);

      const widget = page.locator('.lossplot-widget').first();
      const stop = widget.locator('.lossplot-stop');
      await expect(stop).toBeVisible({ timeout: 60_000 });
      await expect(widget.locator('.lossplot-control-status span').first()).toHaveAttribute('title', /control: live/);
      // the loop is running once the summary counts points while the notebook is busy
      await expect
        .poll(async () => (await notebookBusy(page)) && (await widget.locator('tr.lossplot-row').count()) > 0, {
          timeout: 60_000
        })
        .toBe(true);
      await page.waitForTimeout(1000);

      // the click time as the page saw it (same machine clock as the kernel's time.time())
      await stop.evaluate(el =>
        el.addEventListener('click', () => ((window as any).__lossplotClick = Date.now() / 1000), { once: true })
      );
      await stop.click();
      await waitForNotebookDone(page, 40_000);

      const outputs = page.locator('.jp-Notebook .jp-Cell');
      const text = await outputs.nth(2).locator('.jp-OutputArea-output').innerText();
      const clicked = await page.evaluate(() => (window as any).__lossplotClick as number);
      const stoppedAt = printed(text, 'STOPPED_AT');
      const elapsed = printed(text, 'ELAPSED');
      console.log(
        `JupyterLab (commsOverSubshells=${comms}): Stop click -> loop stopped ` +
          `${((stoppedAt - clicked) * 1000).toFixed(1)} ms (loop ran ${elapsed} s of ~30 s)`
      );
      expect(elapsed).toBeLessThan(15);
      expect(stoppedAt).toBeGreaterThanOrEqual(clicked - 0.05);
      // the next cell ran after the loop, in a fresh run
      await expect(outputs.nth(3).locator('.jp-OutputArea-output')).toContainText('AFTER=False');
      expect(errors).toEqual([]);
    });
  });
}
