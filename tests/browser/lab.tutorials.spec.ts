// Every tutorial notebook (notebooks/*.ipynb, whatever exists at run time) opens and runs in JupyterLab
// without an error output or a browser console error. The server gives kernels LOSSPLOT_FAST=1.
import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';
import { collectErrors, errorOutputs, openNotebook, drawnPoints, startRunAll, unexecutedCells, waitForNotebookDone } from './helpers';

const DIR = path.resolve(__dirname, '..', '..', 'notebooks');
const NOTEBOOKS = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter(f => f.endsWith('.ipynb')).sort() : [];

test.use({ autoGoto: false });

test('there are tutorial notebooks to run', () => {
  expect(NOTEBOOKS.length).toBeGreaterThan(0);
});

for (const name of NOTEBOOKS) {
  test(`tutorial ${name} runs in JupyterLab without errors`, async ({ page }) => {
    test.setTimeout(300_000);
    const errors = collectErrors(page);
    await page.goto();
    await openNotebook(page, `notebooks/${name}`);
    await startRunAll(page);
    await page.waitForTimeout(1000);
    await waitForNotebookDone(page, 240_000);
    expect(await errorOutputs(page)).toEqual([]);
    // every prompt got an execution count (nothing skipped after a failure)
    expect(await unexecutedCells(page), 'code cells without an execution count').toEqual([]);
    // a tutorial that uses the widget shows a drawn curve
    if (fs.readFileSync(path.join(DIR, name), 'utf8').includes('lossplot_widget')) {
      await expect
        .poll(async () => {
          const counts = await drawnPoints(page.locator('.lossplot-widget').first());
          return Object.keys(counts).length > 0 && Object.values(counts).every(c => c > 0);
        })
        .toBe(true);
    }
    expect(errors).toEqual([]);
  });
}
