// Browser-side benchmark (not a test): hundreds of metrics in JupyterLab + Chromium. For 10, 300, 1,000 and
// 3,000 metrics (BENCH_METRICS_COUNTS), a widget logs 30 steps of 0.1 s (metrics.ipynb); the page records
// every long task (> 50 ms of main thread, PerformanceObserver) and when the loss line is first drawn.
// Per count: the longest task and the total long-task time while its cell ran and for 5 s after, the first
// frame after the cell started, and the cell's wall time (30 x 0.1 s of sleep included).
//
//   LOSSPLOT_BENCH=1 VENV=.venv npx playwright test metrics --project bench
//   (before: PYTHONPATH=<an older tree> in the environment; the kernel imports it)
import { test as labTest } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';
import { notebookBusy, openNotebook, outputText, startRunAll } from '../../tests/browser/helpers';

const NOTEBOOK = 'benchmarks/browser/metrics.ipynb';
const OUT = path.join(__dirname, '..', process.env.BENCH_METRICS_OUT || 'RESULTS_browser_metrics.md');

labTest.use({ autoGoto: false });

labTest('long tasks with 10 to 3,000 metrics', async ({ page }) => {
  labTest.setTimeout(1_200_000);
  await page.goto();
  await openNotebook(page, NOTEBOOK);
  await page.evaluate(() => {
    const w = window as any;
    w.__tasks = [] as number[][];
    w.__firstLine = [] as number[];
    new PerformanceObserver(list => {
      for (const e of list.getEntries()) w.__tasks.push([(performance.timeOrigin + e.startTime) / 1000, e.duration]);
    }).observe({ type: 'longtask' });
    // when a new widget's loss line first gets points
    const seen = new WeakSet();
    new MutationObserver(() => {
      for (const root of Array.from(document.querySelectorAll('.lossplot-widget'))) {
        if (seen.has(root)) continue;
        const d = root.querySelector('.lossplot-panel svg.svg-figure g.curve path.line')?.getAttribute('d') || '';
        if (/L/.test(d)) {
          seen.add(root);
          w.__firstLine.push(Date.now() / 1000);
        }
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['d'] });
  });
  await startRunAll(page);
  const deadline = Date.now() + 1_100_000;
  let idle = 0;
  while (Date.now() < deadline && idle < 2) {
    idle = (await notebookBusy(page)) ? 0 : idle + 1;
    await page.waitForTimeout(1000);
  }
  const tasks: number[][] = await page.evaluate(() => (window as any).__tasks);
  const firstLines: number[] = await page.evaluate(() => (window as any).__firstLine);
  const printedText = await outputText(page);
  const rows: string[] = [];
  const results = Array.from(printedText.matchAll(/RESULT (\{.*\})/g)).map(m => JSON.parse(m[1]));
  for (const r of results) {
    const inside = tasks.filter(([t]) => t >= r.start && t <= r.end + 5).map(([, d]) => d);
    const first = firstLines.find(t => t >= r.start);
    rows.push(
      `| ${r.metrics} | ${Math.round(Math.max(0, ...inside))} | ${Math.round(inside.reduce((a, b) => a + b, 0))} | ` +
        `${inside.length} | ${first === undefined ? '–' : (first - r.start).toFixed(2)} | ${(r.end - r.start).toFixed(1)} |`
    );
  }
  const text = [
    `### Browser: hundreds of metrics in Chromium (JupyterLab), ${new Date().toISOString().slice(0, 16)} UTC` +
      (process.env.PYTHONPATH ? ` (kernel on ${process.env.PYTHONPATH})` : ''),
    '',
    '| metrics | longest task ms | long-task ms in all | long tasks | first frame s | cell s (3 s of sleep) |',
    '|---|---|---|---|---|---|',
    ...rows,
    ''
  ].join('\n');
  fs.writeFileSync(OUT, text);
  console.log(text);
});
