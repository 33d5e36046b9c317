// Every control of the widget, used by a person (real clicks, drags, keys and wheel notches) while a cell
// blocks the kernel: each must show its effect on the plot while the cell still runs. Shared by the JupyterLab,
// Notebook 7 and Voila tests (tests/browser/*.live.spec.ts) and the browser benchmark of the controls.
import { expect, Locator, Page } from '@playwright/test';
import { linearFit, parsePath, yTicks } from './helpers';

/** Milliseconds from the person's action to its effect on the page, per control. */
export type Latencies = Record<string, number>;

/** Lines with points in the first figure of `panel` (raw and smoothed lines of each shown series). */
async function drawnLines(panel: Locator): Promise<number> {
  const ds = await panel
    .locator('div.bqplot.figure')
    .first()
    .locator('svg.svg-figure g.curve path.line')
    .evaluateAll(paths => paths.map(p => p.getAttribute('d') || ''));
  return ds.filter(d => parsePath(d).length > 1).length;
}

/** The x axis' tick values of the first figure of `panel` (the axis whose ticks share one height). */
async function xTicks(panel: Locator): Promise<number[]> {
  const fig = panel.locator('div.bqplot.figure').first();
  return fig.locator('svg.svg-background g.axis').evaluateAll(axes => {
    for (const axis of axes) {
      const parsed = Array.from(axis.querySelectorAll('g.tick')).map(t => {
        const m = /translate\(\s*([-\d.e]+)[ ,]+([-\d.e]+)\s*\)/.exec(t.getAttribute('transform') || '');
        const label = (t.querySelector('text')?.textContent || '').trim();
        return { ty: m ? Number(m[2]) : NaN, label };
      });
      if (parsed.length > 1 && parsed.every(p => p.ty === parsed[0].ty)) {
        return parsed.map(p => Number(p.label.replace(/[,\u2009\s]/g, '').replace('\u2212', '-'))).filter(Number.isFinite);
      }
    }
    return [];
  });
}

/** True when the y ticks of `panel` are spaced by their logarithm (a log axis), not by their value. */
async function logAxis(panel: Locator): Promise<boolean> {
  const ticks = (await yTicks(panel)).filter(t => t.value > 0);
  if (ticks.length < 3) return false;
  const px = ticks.map(t => t.px);
  const span = Math.max(...px) - Math.min(...px);
  const onLog = linearFit(ticks.map(t => Math.log10(t.value)), px).maxResidual;
  const onValue = linearFit(ticks.map(t => t.value), px).maxResidual;
  return onLog < 0.02 * span && onValue > 0.05 * span;
}

async function statusText(widget: Locator): Promise<string> {
  return (await widget.locator('.lossplot-control-status').innerText()).trim();
}

async function points(widget: Locator): Promise<number> {
  const counts = await widget
    .locator('.lossplot-run')
    .evaluateAll(rows => rows.map(r => Number(r.getAttribute('data-points') || 0)));
  return Math.max(0, ...counts);
}

/**
 * Do `act`, then wait until `effect()` is true; return the milliseconds in between, after checking that the
 * cell was still running when the effect showed (`running()`).
 */
async function timed(
  name: string,
  act: () => Promise<void>,
  effect: () => Promise<boolean>,
  running: () => Promise<boolean>,
  timeout = 10_000
): Promise<number> {
  const t0 = Date.now();
  await act();
  await expect.poll(effect, { message: `${name}: no effect while the cell runs`, timeout, intervals: [20] }).toBe(true);
  const ms = Date.now() - t0;
  expect(await running(), `${name}: the cell had ended when its effect showed`).toBe(true);
  return ms;
}

/** Open the Voila app at `address`, click its Train button (the loop blocks the kernel) and wait until it trains. */
export async function startVoilaTraining(
  page: Page,
  address: string
): Promise<{ widget: Locator; result: Locator; running: () => Promise<boolean> }> {
  await page.goto(address);
  const start = page.locator('button.jupyter-button').filter({ hasText: /Train 60 s/ }).first();
  await expect(start).toBeVisible({ timeout: 120_000 });
  await expect(page.locator('#loading')).toBeHidden({ timeout: 120_000 });
  const result = page.locator('.control-app-result');
  const widget = page.locator('.lossplot-widget').first();
  const running = async () => (await result.innerText()).includes('training');
  await start.click();
  await waitForTraining(widget, running);
  return { widget, result, running };
}

/** Wait until the blocking loop runs and both runs are drawn. */
export async function waitForTraining(widget: Locator, running: () => Promise<boolean>): Promise<void> {
  await expect.poll(async () => (await running()) && (await widget.locator('.lossplot-run').count()) === 2, {
    timeout: 90_000
  }).toBe(true);
  await expect.poll(async () => (await points(widget)) > 200, { timeout: 30_000 }).toBe(true);
}

/**
 * Every control while the cell blocks; returns the latency of each. Leaves the widget as it found it
 * (smoothing excepted: 0) and the run stopped.
 */
export async function exerciseControls(page: Page, widget: Locator, running: () => Promise<boolean>): Promise<Latencies> {
  const ms: Latencies = {};
  const loss = widget.locator('.lossplot-panel').first();
  const visiblePanels = () => widget.locator('.lossplot-panel:visible').count();

  // smoothing: drag the slider's handle to the far left; the smoothed lines go (raw lines only)
  const before = await drawnLines(loss);
  const handle = widget.locator('.lossplot-smoothing .noUi-handle');
  const track = widget.locator('.lossplot-smoothing .noUi-target');
  ms.smoothing = await timed(
    'smoothing',
    async () => {
      await handle.hover(); // scrolled into view, the mouse on the handle
      const [hb, tb] = [(await handle.boundingBox())!, (await track.boundingBox())!];
      await page.mouse.down();
      await page.mouse.move(tb.x - 20, hb.y + hb.height / 2, { steps: 5 });
      await page.mouse.up();
    },
    async () => (await drawnLines(loss)) < before,
    running
  );
  await expect(widget.locator('.lossplot-smoothing .widget-readout')).toHaveText('0.00');

  // log y on, then off
  ms['log y'] = await timed('log y', () => widget.locator('.lossplot-log-y').click(), () => logAxis(loss), running);
  await widget.locator('.lossplot-log-y').click();
  await expect.poll(() => logAxis(loss)).toBe(false);

  // x axis: time, then back to steps
  const xLabel = loss.locator('text.axislabel').first();
  ms['x axis'] = await timed(
    'x axis',
    () => widget.locator('.lossplot-x-axis select').selectOption('time'),
    async () => /time/.test(await xLabel.textContent() || ''),
    running
  );
  await widget.locator('.lossplot-x-axis select').selectOption('step');
  await expect(xLabel).toHaveText(/step/);

  // all y: the first steps' spike (100x the latest values) comes into view, then out again
  const top = async () => Math.max(...(await yTicks(loss)).map(t => t.value));
  await expect.poll(top, { timeout: 15_000 }).toBeLessThan(20);
  ms['all y'] = await timed('all y', () => widget.locator('.lossplot-all-y').click(), async () => (await top()) > 50, running);
  await widget.locator('.lossplot-all-y').click();
  await expect.poll(top).toBeLessThan(20);

  // filter: typing "acc" leaves the acc panel only; clearing it brings loss back
  const filter = widget.locator('.lossplot-filter input');
  ms.filter = await timed('filter', () => filter.pressSequentially('acc'), async () => (await visiblePanels()) === 1, running);
  await filter.fill('');
  await expect.poll(visiblePanels).toBe(2);

  // fold the loss panel away, and back
  const figure = loss.locator('div.bqplot.figure').first();
  ms.fold = await timed('fold', () => loss.locator('.lossplot-panel-title').click(), async () => !(await figure.isVisible()), running);
  await loss.locator('.lossplot-panel-title').click();
  await expect(figure).toBeVisible();

  // untick run b in the run table: its lines go; tick it again
  const lines = await drawnLines(loss);
  const boxB = widget.locator('.lossplot-run-visible input').nth(1);
  ms['run table'] = await timed('run table', () => boxB.click(), async () => (await drawnLines(loss)) < lines, running);
  await boxB.click();
  await expect.poll(() => drawnLines(loss)).toBe(lines);

  // pan/zoom switched on during the cell, then wheel notches over the plot: x zooms in (and the page does not scroll)
  const span = async () => {
    const t = await xTicks(loss);
    return t.length ? Math.max(...t) - Math.min(...t) : 0;
  };
  const full = await span();
  await widget.locator('.lossplot-zoom').click();
  const scrollTop = () => page.evaluate(() => {
    const el = document.querySelector('.jp-WindowedPanel-outer, .jp-Notebook, body') as HTMLElement | null;
    return el ? el.scrollTop : window.scrollY;
  });
  await figure.scrollIntoViewIfNeeded();
  const scrolled = await scrollTop();
  ms.zoom = await timed(
    'zoom',
    async () => {
      await figure.hover();
      for (let i = 0; i < 3; i++) await page.mouse.wheel(0, -200);
    },
    async () => (await span()) > 0 && (await span()) < 0.8 * full,
    running
  );
  expect(await scrollTop(), 'the wheel zoomed the plot, not the page').toBe(scrolled);
  // three more notches, then reset at once: the view ends unzoomed (no late zoom update overtakes the reset)
  await figure.hover();
  for (let i = 0; i < 3; i++) await page.mouse.wheel(0, -200);
  ms.reset = await timed('reset', () => widget.locator('.lossplot-reset').click(), async () => (await span()) >= 0.9 * full, running);
  await page.waitForTimeout(1500);
  expect(await span(), 'still unzoomed 1.5 s after the reset').toBeGreaterThanOrEqual(0.9 * full);
  await widget.locator('.lossplot-zoom').click();

  // Pause, Resume, Pause, then Stop: the same button, its label says what the next click does
  const pause = widget.locator('.lossplot-pause');
  ms.pause = await timed('pause', () => pause.click(), async () => /paused at step/.test(await statusText(widget)), running);
  await expect(pause).toHaveText('▶');
  const frozen = await points(widget);
  await page.waitForTimeout(1000);
  expect(await points(widget), 'no step while paused').toBe(frozen);
  ms.resume = await timed('resume', () => pause.click(), async () => (await points(widget)) > frozen, running);
  await expect(pause).toHaveText('❚❚');
  ms['pause again'] = await timed('pause again', () => pause.click(), async () => /paused at step/.test(await statusText(widget)), running);
  const t0 = Date.now();
  await widget.locator('.lossplot-stop').click();
  await expect.poll(running, { timeout: 20_000, intervals: [20] }).toBe(false);
  ms.stop = Date.now() - t0;
  return ms;
}

/**
 * bqplot draws one frame of y ticks at NaN when a panel's y axis goes from its log scale back to the linear
 * one (2 errors per switch here; 166 before the axis took its scale, format and ticks in one message). Known,
 * reported in the note; every other console error fails the tests.
 */
export const LOG_OFF_TICKS = /<g> attribute transform: Trailing garbage, "(translate\(0|\u2026\d+),NaN\)"/;

/** One line per control, for the test's log. */
export function report(frontEnd: string, ms: Latencies): string {
  return `${frontEnd}: ` + Object.entries(ms).map(([k, v]) => `${k} ${v} ms`).join(', ');
}
