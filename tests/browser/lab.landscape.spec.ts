// JupyterLab: a LandscapeWidget beside a loss curve draws a heat map, contour lines and a path that grows
// while a PyTorch loop trains (the slice is recomputed between steps within its time budget).
import { expect, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import * as path from 'path';
import { collectErrors, notebookBusy, openNotebook, printed, startRunAll, waitForNotebookDone } from './helpers';

const NOTEBOOK = 'tests/browser/notebooks/landscape.ipynb';
const ARTIFACTS = path.join(__dirname, 'artifacts');
const PATH_STROKE = 'rgb(232, 69, 60)'; // view.PATH_COLOR

test.use({ autoGoto: false });

type Drawn = { pathPoints: number; heat: string; contours: number; title: string };

async function drawn(scape: Locator): Promise<Drawn> {
  return scape.evaluate((el, stroke) => {
    const fig = el.querySelector('div.bqplot.figure')!;
    const lines = Array.from(fig.querySelectorAll('svg.svg-figure g.curve path.line')) as SVGPathElement[];
    const count = (p: SVGPathElement | undefined) => ((p && p.getAttribute('d')) || '').split(/[ML]/).length - 1;
    const pathLine = lines.find(p => getComputedStyle(p).stroke === stroke);
    const contour = lines.find(p => getComputedStyle(p).stroke === 'rgb(255, 255, 255)');
    const image = fig.querySelector('svg.svg-figure image');
    const title = fig.querySelector('text.mainheading')?.textContent || '';
    return {
      pathPoints: count(pathLine),
      heat: (image && (image.getAttribute('href') || image.getAttribute('xlink:href'))) || '',
      contours: count(contour),
      title
    };
  }, PATH_STROKE);
}

test('the landscape draws a heat map and a growing path while a loop trains', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto();
  await openNotebook(page, NOTEBOOK);
  await startRunAll(page);
  const scape = page.locator('.lossplot-landscape').first();
  await expect(scape.locator('div.bqplot.figure')).toBeVisible({ timeout: 60_000 });

  const seen: Drawn[] = [];
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline && (await notebookBusy(page))) {
    seen.push(await drawn(scape));
    await page.waitForTimeout(500);
  }
  await waitForNotebookDone(page, 60_000);
  const busy = seen.filter(d => d.pathPoints > 0);
  const counts = busy.map(d => d.pathPoints);
  expect(new Set(counts).size, `path points seen while busy: ${counts.join(',')}`).toBeGreaterThanOrEqual(3);
  for (let i = 1; i < counts.length; i++) {
    expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1]);
  }
  expect(new Set(busy.map(d => d.heat)).size, 'heat map images while busy').toBeGreaterThanOrEqual(2);
  expect(busy[busy.length - 1].contours).toBeGreaterThan(10);
  expect(busy.map(d => d.title).join('|')).toMatch(/PCA plane of the path · step \d+/);

  const output = await page.locator('.jp-Notebook .jp-Cell').nth(2).locator('.jp-OutputArea-output').innerText();
  const snapshots = printed(output, 'SNAPSHOTS');
  expect(printed(output, 'SLICES')).toBeGreaterThanOrEqual(4);
  const last = await drawn(scape);
  expect(last.pathPoints).toBe(snapshots); // the final slice draws every snapshot of the path
  expect(last.heat).toMatch(/^data:image\/png/);
  expect(last.title).toContain(`step ${printed(output, 'STEP')}`);
  await scape.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(ARTIFACTS, 'lab-landscape.png') });
  expect(errors).toEqual([]);
});
