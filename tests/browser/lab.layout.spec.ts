// A LiveLossWidget is an ipywidget: it renders inside VBox/HBox/Tab layouts in JupyterLab.
import { expect, test as labTest } from '@jupyterlab/galata';
import * as path from 'path';
import { collectErrors, openNotebook, rawPointCount, startRunAll, waitForNotebookDone } from './helpers';

const NOTEBOOK = 'tests/browser/notebooks/composed.ipynb';
const ARTIFACTS = path.join(__dirname, 'artifacts');

labTest.use({ autoGoto: false });

labTest.describe('JupyterLab layouts', () => {
  labTest('two widgets in an HBox inside a VBox, a third in a Tab, all drawn', async ({ page }) => {
    const errors = collectErrors(page);
    await page.goto();
    await openNotebook(page, NOTEBOOK);
    await startRunAll(page);
    const box = page.locator('.widget-vbox', { has: page.locator('.composed-title') }).first();
    await expect(box).toBeVisible({ timeout: 60_000 });
    await waitForNotebookDone(page, 90_000);
    const side = box.locator('.widget-hbox > .lossplot-widget');
    await expect(side).toHaveCount(2);
    for (const i of [0, 1]) {
      await expect.poll(() => rawPointCount(side.nth(i))).toBe(200);
    }
    // side by side: the second widget starts to the right of the first
    const [r0, r1] = [await side.nth(0).boundingBox(), await side.nth(1).boundingBox()];
    expect(r1!.x).toBeGreaterThan(r0!.x + r0!.width / 2);
    const inTab = box.locator('.lm-TabPanel .lossplot-widget, .widget-tab .lossplot-widget').first();
    await expect.poll(() => rawPointCount(inTab)).toBe(200);
    await box.screenshot({ path: path.join(ARTIFACTS, 'lab-composed.png') });
    expect(errors).toEqual([]);
  });
});
