// A 300-trial Optuna sweep in the run table (JupyterLab and Voila): a page of 20 rows, best first, pages turn.
import { expect, Locator } from '@playwright/test';

/** Checks the run table of a drawn 300-trial sweep at the page's width; returns the first row's run. */
export async function checkSweepTable(root: Locator): Promise<string> {
  const rows = root.locator('.lossplot-run');
  await expect(rows).toHaveCount(20, { timeout: 60_000 });
  const best = root.locator('.lossplot-best');
  await expect(best).toContainText('Best so far', { timeout: 30_000 });
  await expect(best).toContainText('300 runs');
  const label = root.locator('.lossplot-page-label');
  await expect(label).toContainText('runs 1\u201320 of 300');
  // the best trial heads the table (the "Best so far" line names it)
  const bestName = (await best.locator('b').first().textContent())?.trim() ?? '';
  const first = await rows.first().getAttribute('data-run');
  expect(first).toBe(bestName);
  // the table stays inside the 1280 px page: no row wider than the widget
  const widget = await root.boundingBox();
  const table = await root.locator('.lossplot-runs').boundingBox();
  expect(widget && table && table.width <= widget.width + 1).toBeTruthy();
  expect(widget && widget.x + widget.width <= 1280).toBeTruthy();
  // a page turn shows the next 20 runs
  await root.locator('.lossplot-page-next').click();
  await expect(label).toContainText('runs 21\u201340 of 300', { timeout: 30_000 });
  await expect.poll(async () => rows.first().getAttribute('data-run'), { timeout: 30_000 }).not.toBe(first);
  await expect(rows).toHaveCount(20);
  return first ?? '';
}
