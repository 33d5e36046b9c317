// JupyterLab: every control acts while a cell blocks the kernel (issue 25): smoothing, log y, x axis, all y,
// filter, fold, run table, pan/zoom switched on during the cell, reset after wheel notches, Pause, Resume, Pause,
// Stop. Real drags, clicks, keys and wheel notches; latencies printed. The toolbar stays one row at 800 px while
// the cell runs (screenshot).
import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';
import { collectErrors, notebookBusy, openNotebook, printed, startRunAll, toolbarRows } from './helpers';
import { LOG_OFF_TICKS, exerciseControls, report, waitForTraining } from './live';

const NOTEBOOK = 'tests/browser/notebooks/live_controls.ipynb';
const ARTIFACTS = path.join(__dirname, 'artifacts');

test.use({ autoGoto: false });

test('every control acts while a cell blocks, and Resume resumes', async ({ page }) => {
  const errors = collectErrors(page, [LOG_OFF_TICKS]);
  await page.goto();
  await openNotebook(page, NOTEBOOK);
  await page.sidebar.close('left');
  await startRunAll(page);
  const widget = page.locator('.lossplot-widget').first();
  const running = () => notebookBusy(page);
  await waitForTraining(widget, running);
  await expect(widget.locator('.lossplot-control-status span').first()).toHaveAttribute('title', /control: live/);

  await page.setViewportSize({ width: 800, height: 900 });
  await page.waitForTimeout(500);
  expect(await toolbarRows(widget), 'toolbar rows at 800 px while the cell runs').toBe(1);
  await widget.screenshot({ path: path.join(ARTIFACTS, 'lab-live-running-800.png') });
  await page.setViewportSize({ width: 1280, height: 900 });

  const ms = await exerciseControls(page, widget, running);
  console.log(report('JupyterLab', ms));
  await widget.screenshot({ path: path.join(ARTIFACTS, 'lab-live-stopped-1280.png') });
  const out = await page.locator('.jp-Notebook .jp-Cell').nth(2).locator('.jp-OutputArea-output').innerText();
  expect(printed(out, 'ELAPSED')).toBeLessThan(58);
  expect(errors).toEqual([]);
});
