// Shared helpers for the browser tests: reading bqplot's SVG, console errors, Jupyter front ends.
import { expect, Locator, Page } from '@playwright/test';

export type Point = { x: number; y: number };

export function parsePath(d: string | null): Point[] {
  if (!d) {
    return [];
  }
  const points: Point[] = [];
  const re = /[ML]\s*(-?[\d.]+(?:e[-+]?\d+)?)[ ,]\s*(-?[\d.]+(?:e[-+]?\d+)?)/gi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(d)) !== null) {
    points.push({ x: Number(m[1]), y: Number(m[2]) });
  }
  return points;
}

/**
 * The `d` of the lines drawn for `metric` in the first figure under `root`: [raw, smoothed] (when runs
 * are compared and no line is labelled `metric`: those of the first run's first series).
 * A series' lines carry its name as their (hidden) `text.curve_label`; other marks (e.g. epoch rules)
 * are skipped.
 */
export async function linePaths(root: Locator, metric = 'loss'): Promise<string[]> {
  return root
    .locator('div.bqplot.figure')
    .first()
    .locator('svg.svg-figure g.curve')
    .evaluateAll((curves, name) => {
      const lines = curves.map(g => ({
        label: (g.querySelector('text.curve_label')?.textContent || '').trim(),
        d: g.querySelector('path.line')?.getAttribute('d') || ''
      }));
      let picked = lines.filter(l => l.label === name);
      if (!picked.length) {
        // runs compared: a run's first series is labelled with the run's name (others "run · metric");
        // take the first run's
        const first = lines.find(l => l.label && !l.label.includes('·'));
        picked = first ? lines.filter(l => l.label === first.label) : [];
      }
      return picked.map(l => l.d);
    }, metric);
}

/**
 * Points of every labelled line's first (raw) path in the first figure under `root`, by label: a metric's
 * name, or when runs are compared a run's name. `all`: every path's `d`, for "nothing changed" checks.
 */
export async function figureLines(root: Locator): Promise<{ points: Record<string, number>; all: string[] }> {
  const lines = await root
    .locator('div.bqplot.figure')
    .first()
    .locator('svg.svg-figure g.curve')
    .evaluateAll(curves =>
      curves.map(g => ({
        label: (g.querySelector('text.curve_label')?.textContent || '').trim(),
        d: g.querySelector('path.line')?.getAttribute('d') || ''
      }))
    );
  const points: Record<string, number> = {};
  for (const l of lines) {
    if (l.label && !(l.label in points)) points[l.label] = parsePath(l.d).length;
  }
  return { points, all: lines.map(l => l.d) };
}

/** Number of points drawn by the raw line of `metric` in the first figure under `root`. */
export async function rawPointCount(root: Locator, metric = 'loss'): Promise<number> {
  const paths = await linePaths(root, metric);
  return paths.length ? parsePath(paths[0]).length : 0;
}

/**
 * Points drawn per metric named in the summary table (one run) or per shown run with points named in the
 * run table (several runs: a run's first series carries the run's name), over every figure under `root`
 * (longest line). Runs drawn muted (beyond 8 runs) share one line labelled "muted runs", counted once.
 */
export async function drawnPoints(root: Locator): Promise<Record<string, number>> {
  const metrics = await root
    .locator('tr.lossplot-row')
    .evaluateAll(rows => rows.map(r => r.getAttribute('data-metric') || ''));
  const runs = await root
    .locator('.lossplot-run[data-hidden="false"]:not([data-points="0"]):not([data-muted="true"])')
    .evaluateAll(rows => rows.map(r => r.getAttribute('data-run') || ''));
  const muted = await root.locator('.lossplot-run[data-hidden="false"][data-muted="true"]').count();
  const names = [...metrics, ...runs, ...(muted ? ['muted runs'] : [])];
  const counts: Record<string, number> = {};
  for (const name of names) {
    const ds = await root.locator('svg.svg-figure g.curve').evaluateAll(
      (curves, n) =>
        curves
          .filter(g => (g.querySelector('text.curve_label')?.textContent || '').trim() === n)
          .map(g => g.querySelector('path.line')?.getAttribute('d') || ''),
      name
    );
    counts[name] = Math.max(0, ...ds.map(d => parsePath(d).length));
  }
  return counts;
}

/** Console errors and uncaught page errors, collected from now on. */
export function collectErrors(page: Page, ignore: RegExp[] = []): string[] {
  const errors: string[] = [];
  const keep = (text: string) => !ignore.some(re => re.test(text));
  page.on('console', msg => {
    if (msg.type() === 'error' && keep(msg.text())) {
      errors.push(`console: ${msg.text()}`);
    }
  });
  page.on('pageerror', err => {
    const where = (err.stack || '').split('\n').slice(1, 3).join(' ').trim();
    const text = `pageerror: ${err} ${where}`;
    if (keep(text)) {
      errors.push(text);
    }
  });
  return errors;
}

/**
 * The y axis ticks of the first figure under `root`: value (parsed label) and pixel position.
 * bqplot draws axes in `svg.svg-background g.axis`; the y axis' ticks are translated vertically.
 */
export async function yTicks(root: Locator): Promise<{ value: number; px: number; label: string }[]> {
  const fig = root.locator('div.bqplot.figure').first();
  return fig.locator('svg.svg-background g.axis').evaluateAll(axes => {
    for (const axis of axes) {
      const ticks = Array.from(axis.querySelectorAll('g.tick'));
      const parsed = ticks.map(t => {
        const m = /translate\(\s*([-\d.e]+)[ ,]+([-\d.e]+)\s*\)/.exec(t.getAttribute('transform') || '');
        const label = (t.querySelector('text')?.textContent || '').trim();
        return { tx: m ? Number(m[1]) : NaN, ty: m ? Number(m[2]) : NaN, label };
      });
      const vertical = parsed.length > 1 && parsed.every(p => p.tx === parsed[0].tx);
      if (vertical) {
        return parsed
          .filter(p => p.label !== '')
          .map(p => ({ value: Number(p.label.replace('\u2212', '-')), px: p.ty, label: p.label }));
      }
    }
    return [];
  });
}

/** Least-squares slope/intercept and the largest residual of y on x. */
export function linearFit(xs: number[], ys: number[]): { a: number; b: number; maxResidual: number } {
  const n = xs.length;
  const mx = xs.reduce((s, v) => s + v, 0) / n;
  const my = ys.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  const a = sxy / sxx;
  const b = my - a * mx;
  const maxResidual = Math.max(...xs.map((x, i) => Math.abs(a * x + b - ys[i])));
  return { a, b, maxResidual };
}

/** Wait until a JupyterLab-style kernel indicator says idle, then let the page settle for a second. */
export async function waitForIdleKernel(page: Page, timeout = 120_000): Promise<void> {
  await page.waitForFunction(
    () => {
      const app = (window as any).jupyterapp;
      const widget = app?.shell?.currentWidget;
      const kernel = widget?.sessionContext?.session?.kernel;
      return kernel && kernel.status === 'idle' && kernel.connectionStatus === 'connected';
    },
    undefined,
    { timeout }
  );
  await page.waitForTimeout(1000);
}

/** Run every cell of the current notebook without waiting for it to finish. */
export async function startRunAll(page: Page): Promise<void> {
  await page.evaluate(() => {
    void (window as any).jupyterapp.commands.execute('notebook:run-all-cells');
  });
}

/** Code cells of the current notebook that have no execution count (never ran). */
export async function unexecutedCells(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const nb = (window as any).jupyterapp.shell.currentWidget.content;
    const missing: number[] = [];
    nb.widgets.forEach((cell: any, i: number) => {
      if (cell.model.type === 'code' && cell.model.sharedModel.getSource().trim() && !cell.model.executionCount) {
        missing.push(i);
      }
    });
    return missing;
  });
}

/** Error outputs (output_type 'error') of the current notebook, as "ename: evalue". */
export async function errorOutputs(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const nb = (window as any).jupyterapp.shell.currentWidget.content;
    const found: string[] = [];
    for (const cell of nb.widgets) {
      const outputs = cell.model?.outputs;
      if (!outputs) {
        continue;
      }
      for (let i = 0; i < outputs.length; i++) {
        const out = outputs.get(i).toJSON();
        if (out.output_type === 'error') {
          found.push(`${out.ename}: ${out.evalue}`);
        }
      }
    }
    return found;
  });
}

/**
 * The text of every output of the current notebook (stream text, an error's value), read from the notebook's
 * model: a windowed notebook leaves cells far below the view unrendered, so their DOM text is empty.
 */
export async function outputText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const nb = (window as any).jupyterapp.shell.currentWidget.content;
    const texts: string[] = [];
    for (const cell of nb.widgets) {
      const outputs = cell.model?.outputs;
      for (let i = 0; outputs && i < outputs.length; i++) {
        const out = outputs.get(i).toJSON();
        texts.push(String(out.text ?? out.evalue ?? ''));
      }
    }
    return texts.join('\n');
  });
}

/** True while any cell of the current notebook is queued or running (its prompt shows `[*]`). */
export async function notebookBusy(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const panel = (window as any).jupyterapp.shell.currentWidget;
    const prompts = Array.from(panel.node.querySelectorAll('.jp-InputPrompt')) as HTMLElement[];
    const kernel = panel.sessionContext?.session?.kernel;
    return prompts.some(p => (p.textContent || '').includes('*')) || kernel?.status === 'busy';
  });
}

/** Wait for every cell to finish (no `[*]` prompt, kernel idle, twice in a row half a second apart). */
export async function waitForNotebookDone(page: Page, timeout: number): Promise<void> {
  const deadline = Date.now() + timeout;
  let quiet = 0;
  while (quiet < 2) {
    expect(Date.now(), 'notebook still running at the deadline').toBeLessThan(deadline);
    quiet = (await notebookBusy(page)) ? 0 : quiet + 1;
    await page.waitForTimeout(500);
  }
}

/** Open a notebook through the app's document manager and wait for its panel. */
export async function openNotebook(page: Page, path: string): Promise<void> {
  await page.evaluate(async p => {
    await (window as any).jupyterapp.commands.execute('docmanager:open', { path: p });
  }, path);
  await expect(page.locator('.jp-NotebookPanel').first()).toBeVisible();
  await waitForIdleKernel(page);
}

/** Numbers printed as KEY=value by a cell (e.g. "LAST=0.123 N=400"). */
export function printed(text: string, key: string): number {
  const m = new RegExp(`${key}=(-?[\\d.]+(?:e[-+]?\\d+)?)`).exec(text);
  if (!m) {
    throw new Error(`no ${key}= in output: ${text}`);
  }
  return Number(m[1]);
}

/** Point counts of the raw `metric` line, sampled every 250 ms while the notebook is busy (until idle twice). */
export async function pointCountsWhileBusy(page: Page, root: Locator, timeout = 90_000): Promise<number[]> {
  const seen: number[] = [];
  const deadline = Date.now() + timeout;
  let idle = 0;
  while (Date.now() < deadline && idle < 2) {
    const busy = await notebookBusy(page);
    const count = await rawPointCount(root);
    idle = busy ? 0 : idle + 1;
    if (busy) {
      seen.push(count);
    }
    await page.waitForTimeout(250);
  }
  return seen;
}

/** Notebook 7.6.5's own shortcuts plugin throws this on every page (also /tree, with no widget shown):
 * reading `schema` of a settings plugin that is not loaded. Not ours; every other error fails a test. */
export const NOTEBOOK7_OWN_ERRORS = [/reading 'schema'\).*notebook_core/];

/** Open `path` in Notebook 7, wait for its kernel to be idle, then run all cells (without awaiting them). */
export async function runAllInNotebook7(page: Page, path: string): Promise<void> {
  await page.goto(`/notebooks/${path}`);
  await page.waitForFunction(() => (window as any).jupyterapp?.shell?.currentWidget?.content, undefined, {
    timeout: 60_000
  });
  await page.locator('.jp-Notebook .jp-Cell').first().waitFor({ state: 'visible', timeout: 60_000 });
  await waitForIdleKernel(page);
  await startRunAll(page);
}

/** Rows the widget's toolbar takes: distinct tops (to 6 px) of its visible controls. */
export async function toolbarRows(root: Locator): Promise<number> {
  const tops = await root
    .locator('.widget-hbox')
    .first()
    .evaluate(bar =>
      Array.from(bar.children)
        .map(c => (c as HTMLElement).getBoundingClientRect())
        .filter(r => r.width > 0 && r.height > 0)
        .map(r => r.top + r.height / 2)
    );
  const rows: number[] = [];
  for (const t of tops) {
    if (!rows.some(r => Math.abs(r - t) < 6)) rows.push(t);
  }
  return rows.length;
}

/** Click the toolbar's "⤓ csv" link and return the downloaded file's text (a browser download, no server file). */
export async function downloadCsv(page: Page, root: Locator): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download'), root.locator('a.lossplot-download-csv').click()]);
  expect(download.suggestedFilename()).toBe('lossplot.csv');
  const file = await download.path();
  return require('fs').readFileSync(file, 'utf-8');
}

/** Rows of a lossplot CSV per metric (header checked). */
export function csvCounts(text: string): Record<string, number> {
  const lines = text.trim().split(/\r?\n/);
  expect(lines[0]).toBe('run,metric,step,epoch,time,value,config');
  const counts: Record<string, number> = {};
  for (const line of lines.slice(1)) {
    const metric = line.split(',')[1];
    counts[metric] = (counts[metric] || 0) + 1;
  }
  return counts;
}
