// Runs: three runs of one widget overlaid in JupyterLab, colours distinct, the run table's box hides a run.
import { expect, test as labTest } from '@jupyterlab/galata';
import * as path from 'path';
import { collectErrors, openNotebook, startRunAll, waitForNotebookDone } from './helpers';
import { runLines, runTableRow } from './runs';

const NOTEBOOK = 'tests/browser/notebooks/runs.ipynb';
const ARTIFACTS = path.join(__dirname, 'artifacts');
const RUNS = ['lr=0.1', 'lr=0.03', 'lr=0.01'];

labTest.use({ autoGoto: false });

labTest('three runs overlaid in one loss panel; unticking a run removes its lines', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto();
  await openNotebook(page, NOTEBOOK);
  await startRunAll(page);
  const root = page.locator('.lossplot-widget').first();
  await expect(root).toBeVisible({ timeout: 60_000 });
  await waitForNotebookDone(page, 120_000);
  await expect.poll(async () => (await runLines(root)).map(l => l.points).join(','), { timeout: 30_000 })
    .toBe('150,150,150');
  const lines = await runLines(root);
  expect(lines.map(l => l.run)).toEqual(RUNS);
  expect(new Set(lines.map(l => l.stroke)).size).toBe(3); // colour encodes the run
  expect(await root.locator('div.bqplot.figure').count()).toBe(1); // one panel: the loss family
  for (const run of RUNS) {
    await expect(runTableRow(root, run).locator('.lossplot-run')).toHaveAttribute('data-status', 'finished');
  }
  await root.screenshot({ path: path.join(ARTIFACTS, 'lab-runs.png') });
  await runTableRow(root, 'lr=0.03').locator('.lossplot-run-visible input').click();
  await expect.poll(async () => (await runLines(root)).map(l => `${l.run}:${l.points}`).join(','), { timeout: 30_000 })
    .toBe('lr=0.1:150,lr=0.01:150');
  await expect(runTableRow(root, 'lr=0.03').locator('.lossplot-run')).toHaveAttribute('data-hidden', 'true');
  await root.screenshot({ path: path.join(ARTIFACTS, 'lab-runs-hidden.png') });
  expect(errors).toEqual([]);
});
