// JupyterLab, Run All (display, then training at once): a loss that starts 100x above where it settles gets a
// readable y range (with "y clipped"), "all y" shows the spike, the toolbar is one line at 800 and 1280 px,
// the CSV download arrives and parses, and no console error is logged. Screenshots: light and dark, both widths.
import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';
import {
  collectErrors,
  csvCounts,
  downloadCsv,
  openNotebook,
  printed,
  rawPointCount,
  startRunAll,
  toolbarRows,
  waitForNotebookDone,
  yTicks
} from './helpers';

const NOTEBOOK = 'tests/browser/notebooks/readable.ipynb';
const ARTIFACTS = path.join(__dirname, 'artifacts');

test.use({ autoGoto: false });

test('readable y range, one-line toolbar, CSV download, no console error under Run All', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto();
  await openNotebook(page, NOTEBOOK);
  await startRunAll(page);
  const widget = page.locator('.lossplot-widget').first();
  await expect(widget.locator('div.bqplot.figure').first()).toBeVisible({ timeout: 60_000 });
  await waitForNotebookDone(page, 90_000);
  const output = await page.locator('.jp-Notebook .jp-Cell').nth(2).locator('.jp-OutputArea-output').innerText();
  const n = printed(output, 'N');
  await expect.poll(() => rawPointCount(widget)).toBeGreaterThan(100);

  // the display cell shows the live view only: the static picture beside it is hidden (a widget view of model
  // id ""), also after the end-of-cell refreshes
  const displayOutputs = page.locator('.jp-Notebook .jp-Cell').nth(1).locator('.jp-OutputArea-output:visible');
  await expect(displayOutputs.locator('.lossplot-widget')).toHaveCount(1);
  await expect(displayOutputs.locator('img, svg.lossplot-static')).toHaveCount(0);
  await expect(displayOutputs.filter({ hasText: /Loading widget|Error displaying widget/ })).toHaveCount(0);

  // the loss panel: ticks span the settled band (0.5 +- 0.05), not 0..100; the panel says it clipped
  const lossPanel = widget.locator('.lossplot-panel').first();
  await expect(lossPanel.locator('.lossplot-clipped')).toContainText('y clipped');
  const ticks = (await yTicks(lossPanel)).map(t => t.value);
  expect(Math.max(...ticks), `ticks ${ticks}`).toBeLessThan(2);
  expect(Math.min(...ticks)).toBeGreaterThan(0.2);
  // "all y" shows the whole range, the spike included
  await widget.locator('.lossplot-all-y').click();
  await expect.poll(async () => Math.max(...(await yTicks(lossPanel)).map(t => t.value))).toBeGreaterThan(50);
  await expect(lossPanel.locator('.lossplot-clipped')).toHaveCount(0);
  await widget.locator('.lossplot-all-y').click();
  await expect.poll(async () => Math.max(...(await yTicks(lossPanel)).map(t => t.value))).toBeLessThan(2);

  // the legend sits above the plot, not over the curves
  const legend = lossPanel.locator('.lossplot-legend');
  const plot = lossPanel.locator('div.bqplot.figure');
  const [lb, pb] = [await legend.boundingBox(), await plot.boundingBox()];
  expect(lb!.y + lb!.height).toBeLessThanOrEqual(pb!.y + 1);

  // the whole history downloads as CSV from the browser
  const counts = csvCounts(await downloadCsv(page, widget));
  expect(counts['loss']).toBe(n);
  expect(counts['val_loss']).toBe(n / 30);

  // an 800 px window has room for the notebook only with the side panel closed
  await page.sidebar.close('left');
  for (const width of [1280, 800]) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(500);
    expect(await toolbarRows(widget), `toolbar rows at ${width} px`).toBe(1);
    for (const theme of ['light', 'dark']) {
      await (theme === 'light' ? page.theme.setLightTheme() : page.theme.setDarkTheme());
      await page.waitForTimeout(500);
      await widget.screenshot({ path: path.join(ARTIFACTS, `lab-readable-${theme}-${width}.png`) });
    }
  }
  await page.theme.setLightTheme();
  expect(errors).toEqual([]);
});
