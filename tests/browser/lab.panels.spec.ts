// Many metrics: 13 panels lay out without overlapping at 1280 px; the filter box hides panels; a folded
// panel shows only its header.
import { expect, test as labTest } from '@jupyterlab/galata';
import * as path from 'path';
import { collectErrors, openNotebook, startRunAll, waitForNotebookDone } from './helpers';

const NOTEBOOK = 'tests/browser/notebooks/many_panels.ipynb';
const ARTIFACTS = path.join(__dirname, 'artifacts');

labTest.use({ autoGoto: false });

type Box = { x: number; y: number; width: number; height: number };
const overlap = (a: Box, b: Box) =>
  Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x) > 1 &&
  Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y) > 1;

labTest('13 panels without overlap; the filter box and folding hide panels', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto();
  await openNotebook(page, NOTEBOOK);
  await startRunAll(page);
  await waitForNotebookDone(page, 90_000);
  const root = page.locator('.lossplot-widget').first();
  const panels = root.locator('.lossplot-panel');
  await expect(panels).toHaveCount(13);
  // every figure drawn, at least 300 px wide, and no two overlap
  for (let i = 0; i < 13; i++) {
    const fig = panels.nth(i).locator('div.bqplot.figure');
    await fig.scrollIntoViewIfNeeded();
    await expect(fig.locator('svg.svg-figure g.curve path.line').first()).toHaveAttribute('d', /L/);
  }
  // all rectangles in one snapshot (scrolling between measurements would shift them)
  const boxes: Box[] = await panels.evaluateAll(els =>
    els.map(e => {
      const r = e.querySelector('div.bqplot.figure')!.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    })
  );
  expect(boxes).toHaveLength(13);
  for (let i = 0; i < boxes.length; i++) {
    expect(boxes[i].width).toBeGreaterThanOrEqual(300);
    for (let j = i + 1; j < boxes.length; j++) {
      expect(overlap(boxes[i], boxes[j]), `panels ${i} and ${j} overlap`).toBe(false);
    }
  }
  const columns = new Set(boxes.map(b => Math.round(b.x))).size;
  expect(columns).toBeGreaterThanOrEqual(2); // not one long column at 1280 px
  await root.locator('.lossplot-filter').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(ARTIFACTS, 'lab-13-panels-1280.png') });
  // Run All (display, then logging at once): no console error (the '<rect> attribute width: A negative value'
  // errors came from widget views leaked by refreshing the static picture in place, see view/output.py)
  expect(errors).toEqual([]);
  const before = errors.length;

  // the filter box: a regex over panel and metric names ("acc" matches acc/val_acc and top5_acc)
  const filter = root.locator('.lossplot-filter input');
  await filter.fill('acc');
  await expect(root.locator('.lossplot-panel:visible')).toHaveCount(2);
  const titles = await root.locator('.lossplot-panel:visible .lossplot-panel-title').allTextContents();
  expect(titles.map(t => t.trim().slice(2)).sort()).toEqual(['acc', 'top5_acc']);
  await root.locator('.lossplot-filter').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(ARTIFACTS, 'lab-filter-acc.png') });
  await filter.fill('');
  await expect(root.locator('.lossplot-panel:visible')).toHaveCount(13);

  // folding a panel: its figure goes, its header stays
  const first = panels.first();
  await first.locator('.lossplot-panel-title').click();
  await expect(first.locator('div.bqplot.figure')).toBeHidden();
  await expect(first.locator('.lossplot-panel-title')).toContainText('\u25b8 loss');
  await first.locator('.lossplot-panel-title').click();
  await expect(first.locator('div.bqplot.figure')).toBeVisible();
  expect(errors.slice(before)).toEqual([]);
});
