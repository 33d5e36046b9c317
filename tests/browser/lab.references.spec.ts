// JupyterLab: reference lines (add_reference) sit at their value on the y axis, labelled, and span the plot; each
// run's best validation point is marked with its epoch, as the run table's best; both stay right under log y.
// Screenshots: light and dark, 800 and 1280 px.
import { expect, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import * as path from 'path';
import { collectErrors, linearFit, openNotebook, startRunAll, waitForNotebookDone } from './helpers';

const NOTEBOOK = 'tests/browser/notebooks/references.ipynb';
const ARTIFACTS = path.join(__dirname, 'artifacts');

test.use({ autoGoto: false });

/** Page y of the y axis' tick labels, by value (on a log axis: by log10 of the value). */
async function tickFit(panel: Locator, log: boolean): Promise<(v: number) => number> {
  const ticks = await panel.locator('div.bqplot.figure svg.svg-background g.axis g.tick').evaluateAll(els =>
    els
      .map(el => {
        const text = el.querySelector('text');
        const box = el.getBoundingClientRect();
        return { label: (text?.textContent || '').trim().replace('\u2212', '-'), y: box.top + box.height / 2, x: box.left };
      })
      .filter(t => t.label !== '')
  );
  // the y axis' ticks share one x; the x axis' ticks share one y
  const byX: Record<string, typeof ticks> = {};
  for (const t of ticks) (byX[Math.round(t.x)] ||= []).push(t);
  const yTicks = Object.values(byX).sort((a, b) => b.length - a.length)[0];
  const xs = yTicks.map(t => (log ? Math.log10(Number(t.label)) : Number(t.label)));
  const fit = linearFit(xs, yTicks.map(t => t.y));
  expect(fit.maxResidual, `ticks ${yTicks.map(t => t.label)}`).toBeLessThan(1.5);
  return (v: number) => fit.a * (log ? Math.log10(v) : v) + fit.b;
}

/** The bottom of a text label on the page (its baseline, about). */
async function labelBox(panel: Locator, text: string) {
  const label = panel.locator('div.bqplot.figure text', { hasText: text }).first();
  await expect(label).toBeVisible();
  return (await label.boundingBox())!;
}

test('reference lines and best points: at their values, labelled, also on log y', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto();
  await openNotebook(page, NOTEBOOK);
  await startRunAll(page);
  const widget = page.locator('.lossplot-widget').first();
  await expect(widget.locator('div.bqplot.figure').first()).toBeVisible({ timeout: 60_000 });
  await waitForNotebookDone(page, 90_000);
  const lossPanel = widget.locator('.lossplot-panel').first();
  const accPanel = widget.locator('.lossplot-panel').nth(1);
  const figure = (await lossPanel.locator('div.bqplot.figure').boundingBox())!;

  for (const log of [false, true]) {
    if (log) {
      await widget.locator('.lossplot-log-y').click();
      await expect(widget.locator('.lossplot-log-y')).toHaveClass(/mod-active/);
      await page.waitForTimeout(1500);
    }
    const at = await tickFit(lossPanel, log);
    // the reference's label sits just above its line, at the right end of the plot
    const ref = await labelBox(lossPanel, 'chance: ln 10');
    const refY = at(Math.log(10));
    expect(ref.y + ref.height, `label bottom vs ln 10 at ${refY}`).toBeGreaterThan(refY - 16);
    expect(ref.y + ref.height).toBeLessThan(refY + 4);
    expect(ref.x + ref.width).toBeGreaterThan(figure.x + 0.8 * figure.width);
    // each run's best validation loss: marked at its value, named with its epoch (the U's bottom, epoch 3)
    for (const [text, value] of [['best 0.5 (epoch 3)', 0.5], ['best 0.8 (epoch 3)', 0.8]] as [string, number][]) {
      const best = await labelBox(lossPanel, text);
      const y = at(value);
      expect(best.y + best.height, `${text}: label bottom vs value at ${y}`).toBeGreaterThan(y - 22);
      expect(best.y + best.height).toBeLessThan(y + 2);
    }
    await labelBox(accPanel, 'chance: 10%');
    await labelBox(accPanel, 'best 0.9 (epoch 3)');
  }
  await widget.locator('.lossplot-log-y').click();

  await page.sidebar.close('left');
  for (const width of [1280, 800]) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(500);
    for (const theme of ['light', 'dark']) {
      await (theme === 'light' ? page.theme.setLightTheme() : page.theme.setDarkTheme());
      await page.waitForTimeout(500);
      await widget.screenshot({ path: path.join(ARTIFACTS, `lab-references-${theme}-${width}.png`) });
    }
  }
  await page.theme.setLightTheme();
  expect(errors).toEqual([]);
});
