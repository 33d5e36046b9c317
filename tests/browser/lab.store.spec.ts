// The run store in JupyterLab: a new widget lists the runs of earlier sessions (one finished, one killed:
// "crashed"), unticked; while today's run trains (the cell blocks the kernel), the person ticks yesterday's run
// and its 300 stored points are drawn beside today's line.
import { expect, test as labTest } from '@jupyterlab/galata';
import * as path from 'path';
import { collectErrors, figureLines, notebookBusy, openNotebook, outputText, startRunAll, waitForNotebookDone } from './helpers';
import { runTableRow } from './runs';

const NOTEBOOK = 'tests/browser/notebooks/store.ipynb';
const ARTIFACTS = path.join(__dirname, 'artifacts');

labTest.use({ autoGoto: false });

labTest('past runs are listed unticked; a click while a cell trains draws one from disk', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto();
  await openNotebook(page, NOTEBOOK);
  await startRunAll(page);
  const root = page.locator('.lossplot-widget').first();
  await expect(root).toBeVisible({ timeout: 90_000 });
  const rows = root.locator('.lossplot-run');
  await expect.poll(async () => rows.count(), { timeout: 60_000 }).toBe(3);
  const names = await rows.evaluateAll(els => els.map(e => e.getAttribute('data-run') || ''));
  const finished = names.find(n => n.startsWith('lr=0.1 ('))!;
  const crashed = names.find(n => n.startsWith('lr=0.3 ('))!;
  expect(finished).toBeTruthy();
  expect(crashed).toBeTruthy();
  await expect(runTableRow(root, finished).locator('.lossplot-run')).toHaveAttribute('data-status', 'finished');
  await expect(runTableRow(root, crashed).locator('.lossplot-run')).toHaveAttribute('data-status', 'crashed');
  await expect(runTableRow(root, crashed).locator('.lossplot-run')).toHaveAttribute('data-points', '100');
  await expect(runTableRow(root, finished).locator('.lossplot-run')).toHaveAttribute('data-hidden', 'true');
  await expect(root.locator('.lossplot-store')).toContainText('Runs are saved to');

  // today's run is training (the cell blocks): tick yesterday's finished run
  await expect.poll(async () => notebookBusy(page), { timeout: 30_000 }).toBe(true);
  await runTableRow(root, finished).locator('.lossplot-run-visible input').click();
  await expect.poll(async () => (await figureLines(root)).points[finished] ?? 0, { timeout: 20_000 }).toBe(300);
  expect(await notebookBusy(page)).toBe(true); // drawn while the cell still trains
  await expect(runTableRow(root, finished).locator('.lossplot-run')).toHaveAttribute('data-hidden', 'false');
  await root.screenshot({ path: path.join(ARTIFACTS, 'lab-store.png') });

  await waitForNotebookDone(page, 120_000);
  const out = await outputText(page);
  expect(out).toContain("'today': ('finished', 300)");
  expect(out).toContain("('lr=0.3', 'crashed', 100)");
  expect(errors).toEqual([]);
});
