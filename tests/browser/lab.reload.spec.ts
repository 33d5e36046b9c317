// JupyterLab: reloading the page while training runs in a background thread (the kernel's main thread is
// free) brings the view back within seconds, and it keeps growing. A blocking cell cannot come back before it
// ends (three reload messages wait behind it: see the README's "Reloading the page while a cell trains").
import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';
import { collectErrors, openNotebook, rawPointCount, startRunAll } from './helpers';

const NOTEBOOK = 'tests/browser/notebooks/reload_thread.ipynb';
const ARTIFACTS = path.join(__dirname, 'artifacts');

test.use({ autoGoto: false });

test('reload mid-training (training in a thread): the view is back within seconds and keeps growing', async ({
  page
}) => {
  const errors = collectErrors(page);
  await page.goto();
  await openNotebook(page, NOTEBOOK);
  await startRunAll(page);
  const widget = () => page.locator('.lossplot-widget').first();
  await expect.poll(() => rawPointCount(widget()), { timeout: 60_000 }).toBeGreaterThan(60);
  // the outputs must be in the file for the reloaded page to show them (JupyterLab autosaves; here at once)
  await page.evaluate(() => (window as any).jupyterapp.commands.execute('docmanager:save'));
  await page.waitForTimeout(500);
  const before = await rawPointCount(widget());
  const reloadedAt = Date.now();
  // a plain browser reload (galata's page.reload() also waits for conditions of its own)
  await page.evaluate(() => window.location.reload());
  await page.waitForLoadState('domcontentloaded');
  await expect(widget().locator('div.bqplot.figure').first()).toBeVisible({ timeout: 30_000 });
  await expect.poll(() => rawPointCount(widget()), { timeout: 30_000 }).toBeGreaterThan(before);
  const back = (Date.now() - reloadedAt) / 1000;
  const after = await rawPointCount(widget());
  // it keeps growing live after the reload
  await expect.poll(() => rawPointCount(widget()), { timeout: 30_000 }).toBeGreaterThan(after + 20);
  console.log(`reload: ${before} points before, back after ${back.toFixed(1)} s with ${after} points`);
  expect(back).toBeLessThan(15);
  await widget().screenshot({ path: path.join(ARTIFACTS, 'lab-after-reload.png') });
  expect(errors).toEqual([]);
});
