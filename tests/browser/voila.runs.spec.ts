// Runs in Voila: three runs overlaid, colours distinct, the run table's box hides a run's lines.
import { expect, test } from '@playwright/test';
import * as path from 'path';
import { runLines, runTableRow } from './runs';

const NOTEBOOK = 'tests/browser/notebooks/runs.ipynb';
const ARTIFACTS = path.join(__dirname, 'artifacts');

test('Voila: three runs overlaid; unticking one removes its lines', async ({ page }) => {
  await page.goto(`/voila/render/${NOTEBOOK}`);
  await expect(page.locator('#loading')).toBeHidden({ timeout: 120_000 });
  const root = page.locator('.lossplot-widget').first();
  await expect.poll(async () => (await runLines(root)).map(l => `${l.run}:${l.points}`).join(','), { timeout: 60_000 })
    .toBe('lr=0.1:150,lr=0.03:150,lr=0.01:150');
  expect(new Set((await runLines(root)).map(l => l.stroke)).size).toBe(3);
  await page.screenshot({ path: path.join(ARTIFACTS, 'voila-runs.png'), fullPage: true });
  await runTableRow(root, 'lr=0.1').locator('.lossplot-run-visible input').click();
  await expect.poll(async () => (await runLines(root)).map(l => `${l.run}:${l.points}`).join(','), { timeout: 30_000 })
    .toBe('lr=0.03:150,lr=0.01:150');
});
