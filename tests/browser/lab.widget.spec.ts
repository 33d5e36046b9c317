// JupyterLab: a LiveLossWidget grows live while a cell trains, ends on the last logged value, and its
// toolbar (log y, smoothing) changes what is drawn. Light and dark screenshots go to tests/browser/artifacts/.
import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';
import {
  collectErrors,
  linearFit,
  linePaths,
  openNotebook,
  parsePath,
  pointCountsWhileBusy,
  printed,
  rawPointCount,
  startRunAll,
  waitForNotebookDone,
  yTicks
} from './helpers';

const NOTEBOOK = 'tests/browser/notebooks/live_train.ipynb';
const ARTIFACTS = path.join(__dirname, 'artifacts');

// attach the console listeners before JupyterLab loads
test.use({ autoGoto: false });

test.describe('JupyterLab', () => {
  test('curve grows while the training cell runs and ends on the last logged value', async ({ page }) => {
    const errors = collectErrors(page);
    await page.goto();
    await openNotebook(page, NOTEBOOK);
    await startRunAll(page);

    const widget = page.locator('.lossplot-widget').first();
    await expect(widget.locator('div.bqplot.figure')).toBeVisible({ timeout: 60_000 });

    // poll the raw line while the training cell is busy
    const seenWhileBusy = await pointCountsWhileBusy(page, widget);
    const distinct = new Set(seenWhileBusy.filter(c => c > 0));
    expect(distinct.size, `point counts seen while busy: ${seenWhileBusy.join(',')}`).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < seenWhileBusy.length; i++) {
      expect(seenWhileBusy[i]).toBeGreaterThanOrEqual(seenWhileBusy[i - 1]);
    }
    await waitForNotebookDone(page, 60_000);

    // the cell printed what it logged last
    const output = (await page.locator('.jp-Notebook .jp-Cell').nth(2).locator('.jp-OutputArea-output').innerText());
    const last = printed(output, 'LAST');
    const n = printed(output, 'N');

    // the summary row carries the exact last value and the count
    const row = widget.locator('tr.lossplot-row[data-metric="loss"]');
    await expect(row).toHaveAttribute('data-count', String(n));
    expect(Number(await row.getAttribute('data-last'))).toBe(last);

    // the drawn line has every point, and its last point sits at the last value on the y axis
    await expect.poll(() => rawPointCount(widget)).toBe(n);
    const points = parsePath((await linePaths(widget))[0]);
    const ticks = await yTicks(widget);
    expect(ticks.length, 'y axis ticks').toBeGreaterThanOrEqual(3);
    const fit = linearFit(ticks.map(t => t.px), ticks.map(t => t.value)); // value = a * px + b
    const span = Math.abs(fit.a) * 100;
    const drawnLast = fit.a * points[points.length - 1].y + fit.b;
    expect(Math.abs(drawnLast - last), `drawn ${drawnLast} vs logged ${last}`).toBeLessThan(0.01 * span + 1e-3);

    expect(errors).toEqual([]);
  });

  test('log y and smoothing change the drawing; light and dark screenshots', async ({ page }) => {
    const errors = collectErrors(page);
    await page.goto();
    await openNotebook(page, NOTEBOOK);
    await startRunAll(page);
    const widget = page.locator('.lossplot-widget').first();
    await expect(widget.locator('div.bqplot.figure')).toBeVisible({ timeout: 60_000 });
    await waitForNotebookDone(page, 90_000);
    await expect.poll(() => rawPointCount(widget)).toBe(400);

    // linear axis: tick positions are linear in the tick values
    const linTicks = await yTicks(widget);
    expect(linearFit(linTicks.map(t => t.value), linTicks.map(t => t.px)).maxResidual).toBeLessThan(0.5);
    expect((await linePaths(widget))[1] || '', 'no smoothed path at smoothing 0').toBe('');

    // log y: tick positions become linear in log10(value) and stop being linear in the value
    const logButton = widget.locator('button', { hasText: 'log y' });
    await logButton.click();
    await expect(logButton).toHaveClass(/mod-active/);
    await expect
      .poll(async () => {
        const t = await yTicks(widget);
        if (t.length < 3 || t.some(v => !(v.value > 0))) {
          return 'not a log axis yet';
        }
        const logFit = linearFit(t.map(v => Math.log10(v.value)), t.map(v => v.px)).maxResidual;
        const linFit = linearFit(t.map(v => v.value), t.map(v => v.px)).maxResidual;
        return logFit < 0.5 && linFit > 2 ? 'log' : `log residual ${logFit}, linear residual ${linFit}`;
      })
      .toBe('log');

    // smoothing 0.9 (type into the slider's readout): a second, smoothed path appears, calmer than the raw
    const readout = widget.locator('.widget-readout').first();
    await readout.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('0.9');
    await page.keyboard.press('Enter');
    await expect.poll(async () => parsePath((await linePaths(widget))[1] || '').length).toBe(400);
    const [raw, smooth] = (await linePaths(widget)).map(parsePath);
    const variation = (pts: { y: number }[]) => pts.slice(1).reduce((s, p, i) => s + Math.abs(p.y - pts[i].y), 0);
    expect(variation(smooth)).toBeLessThan(0.5 * variation(raw));
    // the raw line stays, faint
    const rawOpacity = await widget
      .locator('div.bqplot.figure')
      .first()
      .locator('g.curve', { has: page.locator('text.curve_label', { hasText: /^loss$/ }) })
      .first()
      .locator('path.line')
      .evaluate(el => Number(getComputedStyle(el).opacity));
    expect(rawOpacity).toBeLessThan(0.5);

    await page.theme.setLightTheme();
    await page.waitForTimeout(500);
    await widget.screenshot({ path: path.join(ARTIFACTS, 'lab-light.png') });
    await page.theme.setDarkTheme();
    await page.waitForTimeout(500);
    await widget.screenshot({ path: path.join(ARTIFACTS, 'lab-dark.png') });
    await page.theme.setLightTheme();

    expect(errors).toEqual([]);
  });
});
