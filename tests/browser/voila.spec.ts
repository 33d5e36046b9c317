// Voila: an app with Train/Stop buttons training in a background thread. Train -> the curve grows live;
// Stop -> training ends within a second, the curve stops growing, and the page still answers.
import { expect, Page, test } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { figureLines, linePaths, parsePath } from './helpers';

const REPO = path.resolve(__dirname, '..', '..');
const hasTrainStop = (file: string) => {
  const text = fs.readFileSync(path.join(REPO, file), 'utf8');
  return /description\s*=\s*\\?["']Train\\?["']/.test(text) && /description\s*=\s*\\?["']Stop\\?["']/.test(text);
};
// our own small app, plus the tutorial dashboard once it exists with Train/Stop buttons
const APPS = ['tests/browser/notebooks/voila_app.ipynb', 'notebooks/03_voila_dashboard.ipynb'].filter(
  f => fs.existsSync(path.join(REPO, f)) && hasTrainStop(f)
);

async function setSmoothing(page: Page, value: string): Promise<void> {
  const readout = page.locator('.lossplot-widget .widget-readout').first();
  await readout.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(value);
  await page.keyboard.press('Enter');
}

for (const app of APPS) {
  test(`Voila ${path.basename(app)}: Train grows the curve live, Stop ends training within a second`, async ({
    page
  }) => {
    await page.goto(`/voila/render/${app}`);
    // by text content (icons may add glyphs to the accessible name; the widget's own toolbar has '■ Stop')
    const train = page.locator('button.jupyter-button').filter({ hasText: /^\s*Train\s*$/ }).first();
    const stop = page.locator('button.jupyter-button').filter({ hasText: /^\s*Stop\s*$/ }).first();
    await expect(train).toBeVisible({ timeout: 120_000 });
    await expect(page.locator('#loading')).toBeHidden({ timeout: 120_000 });
    const widget = page.locator('.lossplot-widget').first();
    await expect(widget).toBeVisible();
    await page.waitForTimeout(1000);

    // an app with an 'epochs' slider (the tutorial dashboard) gets its longest run, so Stop has work to stop
    const epochs = page.locator('.widget-slider', { has: page.locator('label', { hasText: /^\s*epochs\s*$/ }) });
    if (await epochs.count()) {
      const readout = epochs.first().locator('.widget-readout');
      await readout.click();
      await page.keyboard.press('Control+A');
      await page.keyboard.type('1000000'); // clamped to the slider's max
      await page.keyboard.press('Enter');
      await page.waitForTimeout(500);
    }

    // the runs drawn so far (the dashboard keeps every Train as a run of one widget)
    const before = (await figureLines(widget)).points;
    await train.click();
    // a curve grows while the background thread trains: the points one line gained since before Train
    const seen: number[] = [];
    for (let i = 0; i < 12; i++) {
      await page.waitForTimeout(300);
      const now = (await figureLines(widget)).points;
      seen.push(Math.max(0, ...Object.entries(now).map(([label, n]) => n - (before[label] ?? 0))));
    }
    expect(new Set(seen.filter(c => c > 0)).size, `points gained: ${seen.join(',')}`).toBeGreaterThanOrEqual(3);

    await expect(stop, 'training ended before Stop could be clicked').toBeEnabled({ timeout: 1_000 });
    await stop.click();
    const stoppedAt = Date.now();
    const status = page.locator('.app-status');
    if (await status.count()) {
      // our app reports how long the thread took to notice Stop
      await expect(status).toContainText('stopped at step', { timeout: 5_000 });
      const latency = Number(/\(([\d.]+) s after Stop\)/.exec(await status.innerText())?.[1]);
      expect(latency).toBeLessThan(1.0);
    }
    // one second for the thread to stop plus one frame for the last draw; afterwards nothing changes
    await page.waitForTimeout(Math.max(0, stoppedAt + 1500 - Date.now()));
    const afterStop = (await figureLines(widget)).all;
    await page.waitForTimeout(2000);
    expect((await figureLines(widget)).all, 'the curves changed more than 1.5 s after Stop').toEqual(afterStop);

    // responsive: a toolbar change is answered by the kernel and redrawn
    const smoothBefore = (await linePaths(widget))[1] || '';
    await setSmoothing(page, '0.95');
    await expect.poll(async () => {
      const d = (await linePaths(widget))[1] || '';
      return d !== smoothBefore && parsePath(d).length > 0;
    }).toBe(true);
    await widget.screenshot({ path: path.join(__dirname, 'artifacts', `voila-${path.basename(app, '.ipynb')}.png`) });
  });
}
