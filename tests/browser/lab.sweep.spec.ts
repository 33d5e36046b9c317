// 300 Optuna trials in JupyterLab at 1280 px: the run table pages, best first, without console errors.
import { expect, test as labTest } from '@jupyterlab/galata';
import * as path from 'path';
import { collectErrors, notebookBusy, openNotebook, printed, startRunAll, waitForNotebookDone } from './helpers';
import { checkSweepTable } from './sweep';

const NOTEBOOK = 'tests/browser/notebooks/sweep.ipynb';
const ARTIFACTS = path.join(__dirname, 'artifacts');

labTest.use({ autoGoto: false });

labTest('a 300-trial sweep: 20 rows a page, the best first, muted curves', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto();
  await openNotebook(page, NOTEBOOK);
  await startRunAll(page);
  const root = page.locator('.lossplot-widget').first();
  await expect(root).toBeVisible({ timeout: 60_000 });
  await waitForNotebookDone(page, 240_000);
  await root.screenshot({ path: path.join(ARTIFACTS, 'lab-sweep.png') });
  await checkSweepTable(root);
  await root.screenshot({ path: path.join(ARTIFACTS, 'lab-sweep-page2.png') });
  expect(errors).toEqual([]);
});

labTest('Pause holds and Stop ends an Optuna study optimized in a blocking cell (real clicks)', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto();
  await openNotebook(page, 'tests/browser/notebooks/sweep_stop.ipynb');
  await startRunAll(page);
  const root = page.locator('.lossplot-widget').first();
  const running = root.locator('.lossplot-run[data-status="running"]').first();
  // trials are drawn while the cell blocks: a second trial runs
  await expect.poll(async () => (await notebookBusy(page)) && (await root.locator('.lossplot-run').count()) >= 2, {
    timeout: 90_000
  }).toBe(true);
  await expect(running).toBeVisible({ timeout: 30_000 });
  await root.locator('.lossplot-pause').click();
  await page.waitForTimeout(1500); // the trial reaches its next should_prune() and waits there
  // the held trial, by name: the first running row may be another trial once it ends
  const trial = root.locator(`.lossplot-run[data-run="${await running.getAttribute('data-run')}"]`);
  const points = async () => Number(await trial.getAttribute('data-points'));
  const held = await points();
  const rows = await root.locator('.lossplot-run').count();
  await page.waitForTimeout(2000);
  expect(await points()).toBe(held); // nothing reported while paused
  expect(await root.locator('.lossplot-run').count()).toBe(rows); // and no trial started
  await root.locator('.lossplot-pause').click(); // Resume
  // the held trial goes on; held at its last step (20 of 20 points) it ends instead, and the next trial starts
  const goesOn = async () => (await points()) > held || (await root.locator('.lossplot-run').count()) > rows;
  await expect.poll(goesOn, { timeout: 30_000 }).toBe(true);

  await root.locator('.lossplot-stop').click();
  await waitForNotebookDone(page, 60_000);
  const text = await page.locator('.jp-Notebook .jp-Cell').nth(2).locator('.jp-OutputArea-output').innerText();
  expect(printed(text, 'TRIALS')).toBeLessThan(60); // no trial started after Stop
  expect(text).toContain('LAST=stopped'); // the trial Stop pruned
  expect(printed(text, 'STOPPED')).toBe(1);
  await root.screenshot({ path: path.join(ARTIFACTS, 'lab-sweep-stopped.png') });
  expect(errors).toEqual([]);
});
