// 300 metrics in JupyterLab while a cell trains (issue 34): the 298 gradient norms form a folded section, so
// the page builds one panel, not 299; real clicks open the section (a page of 12 panels), turn the page,
// overlay its 298 series in one panel, and the filter finds one metric, all while the cell blocks; nothing
// logged is lost. The page's longest main-thread task, the first frame and the unfold time are printed
// (targets: benchmarks/NOTES.md); screenshots at 1280 and 800 px.
import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';
import {
  collectErrors, notebookBusy, openNotebook, printed, startRunAll, outputText, waitForNotebookDone
} from './helpers';

const NOTEBOOK = 'tests/browser/notebooks/many_metrics.ipynb';
const ARTIFACTS = path.join(__dirname, 'artifacts');
const GRADS = 298;

test.use({ autoGoto: false });

test('300 metrics: a folded section, a page at a time, an overlay, the filter; the page never stalls', async ({
  page
}) => {
  test.setTimeout(240_000);
  const errors = collectErrors(page);
  await page.goto();
  await openNotebook(page, NOTEBOOK);
  await page.sidebar.close('left');
  // the page's long tasks (> 50 ms of main thread) from here on
  await page.evaluate(() => {
    const w = window as any;
    w.__longTasks = [];
    new PerformanceObserver(list => {
      for (const e of list.getEntries()) w.__longTasks.push(e.duration);
    }).observe({ type: 'longtask' });
  });
  const started = Date.now();
  await startRunAll(page);
  const widget = page.locator('.lossplot-widget').first();
  const panels = widget.locator('.lossplot-panel');
  const section = widget.locator('.lossplot-section');
  const title = section.locator('.lossplot-section-title');
  await expect(panels.first().locator('svg.svg-figure g.curve path.line').first()).toHaveAttribute('d', /L/, {
    timeout: 90_000
  });
  const firstFrame = Date.now() - started;
  await expect(title).toContainText(`\u25b8 grad_2.0_norm · ${GRADS} panels`);
  await expect(panels).toHaveCount(1); // loss (val_loss shares it); the folded section built nothing
  expect(await notebookBusy(page)).toBe(true);
  await widget.screenshot({ path: path.join(ARTIFACTS, 'lab-300-metrics-folded-1280.png') });

  // open the section while the cell trains: its first page of 12 panels, each drawn
  let t = Date.now();
  await title.click();
  await expect(panels).toHaveCount(13);
  await expect(panels.nth(12).locator('svg.svg-figure g.curve path.line').first()).toHaveAttribute('d', /L/);
  const unfold = Date.now() - t;
  await expect(panels.nth(1).locator('.lossplot-panel-title')).toContainText('grad_2.0_norm/layers.0.weight');
  await expect(section.locator('.lossplot-section-page')).toContainText(`1–12 of ${GRADS}`);
  expect(await notebookBusy(page), 'the section opened while the cell ran').toBe(true);
  // the widget's height follows what is open (13 panels in two columns, a summary of 13 rows), not 300 metrics
  expect((await widget.boundingBox())!.height).toBeLessThan(4000);
  await section.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(ARTIFACTS, 'lab-300-metrics-open-1280.png') });

  // the next page replaces the panels (12 more, not 24)
  await section.locator('.lossplot-section-next').click();
  await expect(panels.nth(1).locator('.lossplot-panel-title')).toContainText('grad_2.0_norm/layers.12.weight');
  await expect(panels).toHaveCount(13);
  await expect(section.locator('.lossplot-section-page')).toContainText(`13–24 of ${GRADS}`);

  // overlay: all 298 series in one panel, one line each, named on the line (the hover tooltip's text)
  await section.locator('.lossplot-section-overlay').click();
  await expect(panels).toHaveCount(2);
  const overlay = panels.nth(1);
  await expect(overlay.locator('.lossplot-panel-title')).toContainText('grad_2.0_norm · all');
  await expect
    .poll(() =>
      overlay.locator('svg.svg-figure g.curve').evaluateAll(
        gs => gs.filter(g => (g.querySelector('text.curve_label')?.textContent || '').startsWith('grad_2.0_norm/')
          && /L/.test(g.querySelector('path.line')?.getAttribute('d') || '')).length
      )
    )
    .toBe(GRADS);
  await expect(overlay.locator('.lossplot-legend-item')).toHaveCount(5);
  await expect(overlay.locator('.lossplot-legend-more')).toContainText(`+${GRADS - 5} more`);
  await overlay.locator('div.bqplot.figure').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(ARTIFACTS, 'lab-300-metrics-overlay-1280.png') });

  // back to one panel per metric; the filter finds one metric inside the section
  await section.locator('.lossplot-section-overlay').click();
  await expect(panels).toHaveCount(13);
  await widget.locator('.lossplot-filter input').fill('layers.7.weight$');
  await expect(widget.locator('.lossplot-panel:visible')).toHaveCount(1);
  await expect(widget.locator('.lossplot-panel:visible .lossplot-panel-title')).toContainText(
    'grad_2.0_norm/layers.7.weight'
  );
  await expect(title).toContainText('1 match the filter');
  expect(await notebookBusy(page), 'the filter acted while the cell ran').toBe(true);
  await widget.locator('.lossplot-filter input').fill('');
  await expect(panels).toHaveCount(13);

  await page.setViewportSize({ width: 800, height: 900 });
  await page.waitForTimeout(500);
  await section.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(ARTIFACTS, 'lab-300-metrics-open-800.png') });
  await page.setViewportSize({ width: 1280, height: 900 });

  // Stop ends the cell; every point of every metric is kept
  await widget.locator('.lossplot-stop').click();
  await waitForNotebookDone(page, 60_000);
  const out = await outputText(page);
  const steps = printed(out, 'STEPS');
  expect(printed(out, 'METRICS')).toBe(GRADS + 2);
  expect(printed(out, 'KEPT')).toBe(steps * (GRADS + 1) + Math.floor(steps / 10));

  const tasks: number[] = await page.evaluate(() => (window as any).__longTasks);
  const longest = Math.max(0, ...tasks);
  console.log(
    `300 metrics in JupyterLab: first frame ${firstFrame} ms after Run All, section unfolded in ${unfold} ms, ` +
      `longest main-thread task ${Math.round(longest)} ms (${tasks.length} tasks over 50 ms), ${steps} steps`
  );
  // the page stays responsive: no task near the ~7 s stalls of one panel per metric (the 0.5 s target is a
  // benchmark figure: this machine is shared)
  expect(longest).toBeLessThan(3000);
  expect(errors).toEqual([]);
});
