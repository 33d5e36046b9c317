// Browser-side benchmark (not a test): how long each control takes to act while a cell blocks the kernel, in
// JupyterLab, Notebook 7 and Voila (a training started by a button), median and worst of 5 runs each; and what
// a person dragging the smoothing slider for 10 s costs the training loop.
//
//   make bench-browser        # LOSSPLOT_BENCH=1 npx playwright test --project bench
//
// Each run does every control once with real input (tests/browser/live.ts: a drag, clicks, keys, wheel
// notches), from the action to its effect in the page's SVG. Results: benchmarks/RESULTS_browser_controls.md.
import { expect, Page, test } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { notebookBusy, startRunAll, waitForIdleKernel } from '../../tests/browser/helpers';
import { Latencies, exerciseControls, startVoilaTraining, waitForTraining } from '../../tests/browser/live';

const NOTEBOOK = 'tests/browser/notebooks/live_controls.ipynb';
const APP = 'tests/browser/notebooks/voila_live_controls.ipynb';
const OUT = path.join(__dirname, '..', 'RESULTS_browser_controls.md');
const REPEATS = 5;
const url = (kind: string, p: string) => `http://127.0.0.1:${process.env[`LOSSPLOT_${kind}_PORT`]}${p}`;

const results: Record<string, Latencies[]> = {};
let dragging = '';

async function openJupyter(page: Page, address: string): Promise<void> {
  await page.goto(address);
  await page.waitForFunction(() => (window as any).jupyterapp?.shell?.currentWidget?.content, undefined, {
    timeout: 90_000
  });
  await page.locator('.jp-Notebook .jp-Cell').first().waitFor({ state: 'visible', timeout: 60_000 });
  await waitForIdleKernel(page);
}

async function jupyterRuns(page: Page, frontEnd: string, address: string): Promise<void> {
  await openJupyter(page, address);
  for (let i = 0; i < REPEATS; i++) {
    await startRunAll(page);
    await page.waitForTimeout(1000);
    const widget = page.locator('.lossplot-widget').first();
    const running = () => notebookBusy(page);
    await waitForTraining(widget, running);
    (results[frontEnd] = results[frontEnd] || []).push(await exerciseControls(page, widget, running));
    await expect.poll(running, { timeout: 30_000 }).toBe(false);
    await page.waitForTimeout(1000);
  }
}

test.describe.configure({ mode: 'serial' });

test('controls while a cell blocks: JupyterLab', async ({ page }) => {
  test.setTimeout(600_000);
  await jupyterRuns(page, 'JupyterLab', url('LAB', `/lab/tree/${NOTEBOOK}`));
});

test('controls while a cell blocks: Notebook 7', async ({ page }) => {
  test.setTimeout(600_000);
  await jupyterRuns(page, 'Notebook 7', url('NOTEBOOK', `/notebooks/${NOTEBOOK}`));
});

test('controls while a button-started loop blocks: Voila', async ({ page }) => {
  test.setTimeout(600_000);
  for (let i = 0; i < REPEATS; i++) {
    const { widget, running } = await startVoilaTraining(page, url('VOILA', `/voila/render/${APP}`));
    (results['Voila'] = results['Voila'] || []).push(await exerciseControls(page, widget, running));
  }
});

test('training steps while a person drags the smoothing slider for 10 s: JupyterLab', async ({ page }) => {
  test.setTimeout(300_000);
  await openJupyter(page, url('LAB', `/lab/tree/${NOTEBOOK}`));
  await startRunAll(page);
  const widget = page.locator('.lossplot-widget').first();
  const running = () => notebookBusy(page);
  await waitForTraining(widget, running);
  const steps = async () =>
    Math.max(...(await widget.locator('.lossplot-run').evaluateAll(r => r.map(e => Number(e.getAttribute('data-points'))))));
  const handle = widget.locator('.lossplot-smoothing .noUi-handle');
  const track = widget.locator('.lossplot-smoothing .noUi-target');
  const rate = async (drag: boolean) => {
    const [n0, t0] = [await steps(), Date.now()];
    let releases = 0;
    while (Date.now() - t0 < 10_000) {
      if (!drag) {
        await page.waitForTimeout(200);
        continue;
      }
      await handle.hover();
      const tb = (await track.boundingBox())!;
      await page.mouse.down();
      const x = tb.x + tb.width * (releases % 2 ? 0.2 : 0.8);
      await page.mouse.move(x, tb.y + tb.height / 2, { steps: 8 });
      await page.mouse.up(); // the slider sends its value on release (continuous_update=False)
      releases++;
    }
    await page.waitForTimeout(500); // the page's count catches up with the last frame
    return { perSecond: ((await steps()) - n0) / ((Date.now() - 500 - t0) / 1000), releases };
  };
  const before = await rate(false);
  const during = await rate(true);
  const after = await rate(false);
  const quiet = (before.perSecond + after.perSecond) / 2;
  dragging =
    `| steps/s without touching (10 s before, 10 s after) | ${before.perSecond.toFixed(1)}, ${after.perSecond.toFixed(1)} |\n` +
    `| steps/s while dragging the slider for 10 s (${during.releases} releases: a new smoothing each) | ${during.perSecond.toFixed(1)} |\n` +
    `| training step time while dragging / without | ${(quiet / during.perSecond).toFixed(3)}x |\n`;
  await widget.locator('.lossplot-stop').click();
  await expect.poll(running, { timeout: 30_000 }).toBe(false);
});

test.afterAll(() => {
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const fronts = Object.keys(results);
  if (!fronts.length) return;
  const controls = Object.keys(results[fronts[0]][0]);
  let md =
    '# Controls while a cell blocks (browser benchmark)\n\n' +
    'Written by `benchmarks/browser/controls.bench.ts` (`make bench-browser`): headless Debian Chromium, ' +
    'JupyterLab, Notebook 7 and Voila (training started by a button) on ipykernel >= 7.4, where a kernel subshell ' +
    'serves the widget\'s comms. Milliseconds from a real drag, click, key or wheel notch to its effect in the ' +
    `page's SVG while a 60 s cell blocks the kernel (two runs logged at ~280 steps/s): median / worst of ${REPEATS}. ` +
    'Target: each <= 1000 ms worst, <= 500 ms median.\n\n' +
    `| control | ${fronts.join(' | ')} |\n|---|${fronts.map(() => '---|').join('')}\n`;
  for (const c of controls) {
    md += `| ${c} | ` + fronts.map(f => {
      const xs = results[f].map(r => r[c]);
      return `${Math.round(median(xs))} / ${Math.max(...xs)}`;
    }).join(' | ') + ' |\n';
  }
  if (dragging) md += '\n## The training loop while a person drags the smoothing slider (JupyterLab)\n\n| | |\n|---|---|\n' + dragging;
  md += `\nMeasured ${new Date().toISOString().slice(0, 16)} UTC on this project's 2-core machine.\n`;
  fs.writeFileSync(OUT, md);
  console.log(md);
});
