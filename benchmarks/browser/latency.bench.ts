// Browser-side benchmark (not a test): log-to-pixel latency, its growth over a run, and the page's
// main-thread busy time, in Debian's Chromium with JupyterLab, for 10 and 50 metrics logged at ~200 steps/s.
//
//   make bench-browser        # LOSSPLOT_BENCH=1 npx playwright test --project bench
//
// The notebook (latency.ipynb) logs a `marker` metric that goes up by one every second. A MutationObserver
// notes when each new level first appears in the marker line's SVG path (`d`); the kernel prints when it
// logged it. Both clocks are this machine's wall clock. Results: benchmarks/RESULTS_browser.md.
import { test as labTest } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';
import { notebookBusy, openNotebook, outputText, startRunAll } from '../../tests/browser/helpers';

const NOTEBOOK = 'benchmarks/browser/latency.ipynb';
const OUT = path.join(__dirname, '..', 'RESULTS_browser.md');
const RUNS = ['bench10', 'bench50', 'bench50_unbudgeted'];

labTest.use({ autoGoto: false });

function quantile(xs: number[], q: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
}

const ms = (s: number) => (Number.isFinite(s) ? `${Math.round(s * 1000)}` : '–');

labTest('log-to-pixel latency with 10 and 50 metrics', async ({ page }) => {
  labTest.setTimeout(900_000);
  await page.goto();
  await openNotebook(page, NOTEBOOK);
  // every change of any path's d: for each benchmark widget, the levels its marker line shows
  await page.evaluate(runs => {
    const seen: Record<string, number[]> = {};
    (window as any).__latency = seen;
    const levels = (d: string) => {
      const ys = new Set<number>();
      const re = /[ML]\s*(-?[\d.]+(?:e[-+]?\d+)?)[ ,]\s*(-?[\d.]+(?:e[-+]?\d+)?)/gi;
      let m: RegExpExecArray | null;
      while ((m = re.exec(d)) !== null) ys.add(Math.round(Number(m[2]) * 2));
      return ys.size;
    };
    const check = () => {
      const now = Date.now() / 1000;
      for (const run of runs) {
        const root = document.querySelector(`.lossplot-widget.${run}`);
        if (!root) continue;
        const box = Array.from(root.querySelectorAll('.lossplot-panel')).find(b =>
          (b.querySelector('.lossplot-panel-title')?.textContent || '').trim().endsWith(' marker')
        );
        const d = box?.querySelector('svg.svg-figure g.curve path.line')?.getAttribute('d') || '';
        const n = levels(d);
        const list = (seen[run] = seen[run] || []);
        while (list.length < n) list.push(now); // level k first drawn at list[k]
      }
    };
    new MutationObserver(check).observe(document.body, {
      subtree: true, childList: true, attributes: true, attributeFilter: ['d']
    });
  }, RUNS);
  // galata's page is a proxy: the CDP session needs the underlying Page
  const cdp = await page.context().newCDPSession(page.context().pages()[0]);
  await cdp.send('Performance.enable');
  const samples: { t: number; task: number }[] = [];
  await startRunAll(page);
  const deadline = Date.now() + 800_000;
  let idle = 0;
  while (Date.now() < deadline && idle < 2) {
    const metrics = (await cdp.send('Performance.getMetrics')).metrics as { name: string; value: number }[];
    const task = metrics.find(m => m.name === 'TaskDuration')?.value ?? NaN;
    samples.push({ t: Date.now() / 1000, task });
    idle = (await notebookBusy(page)) ? 0 : idle + 1;
    await page.waitForTimeout(1000);
  }
  const seen: Record<string, number[]> = await page.evaluate(() => (window as any).__latency);
  const printedText = await outputText(page);
  const rows: string[] = [];
  const summary: Record<string, unknown> = {};
  for (const run of RUNS) {
    const m = new RegExp(`RESULT ${run} (\\{.*\\})`).exec(printedText);
    if (!m) throw new Error(`no result for ${run} in the notebook's output:\n${printedText.slice(-2000)}`);
    const r = JSON.parse(m[1]);
    const marks: number[] = r.markers;
    const drawn = seen[run] || [];
    // level 0 is drawn with the first frame; levels 1.. are the markers
    const lat = marks.slice(1).map((t, i) => (drawn[i + 1] ?? NaN) - t);
    const found = lat.filter(Number.isFinite);
    const first = lat.slice(0, 5).filter(Number.isFinite);
    const last = lat.slice(-5).filter(Number.isFinite);
    const t0 = marks[0];
    const t1 = t0 + r.elapsed;
    const inRun = samples.filter(s => s.t >= t0 && s.t <= t1);
    const busy = inRun.length > 1
      ? (inRun[inRun.length - 1].task - inRun[0].task) / (inRun[inRun.length - 1].t - inRun[0].t)
      : NaN;
    const stepsPerS = r.steps / r.elapsed;
    summary[run] = { latencies: lat, busy, stepsPerS, frames: r.frames };
    rows.push(
      `| ${r.metrics} | ${run.includes('unbudgeted') ? 'off (frame_bytes=0)' : 'default'} | ${stepsPerS.toFixed(0)} | ` +
        `${found.length}/${lat.length} | ${ms(quantile(found, 0.5))} | ${ms(quantile(found, 0.95))} | ` +
        `${ms(quantile(first, 0.5))} | ${ms(quantile(last, 0.5))} | ${Number.isFinite(busy) ? (busy * 100).toFixed(0) : '–'}% | ` +
        `${(1e6 * r.inside_s / r.steps).toFixed(0)} | ${r.frames} |`
    );
  }
  const text = [
    `### Browser: log-to-pixel latency in Chromium (JupyterLab), ${new Date().toISOString().slice(0, 16)} UTC`,
    '',
    'A loop logs `metrics` values per step at ~200 steps/s for 30 s; a `marker` metric steps up every second and',
    "the page notes when each new level first appears in the marker line's SVG path (MutationObserver on `d`).",
    'Latency = that time minus the time the loop logged the level. Busy = Chromium main-thread task time per',
    'second (CDP `Performance.getMetrics` TaskDuration) during the run. refresh_interval = 0.25 s (target p95',
    '<= 2 x 0.25 + 0.1 = 0.6 s with 10 metrics).',
    '',
    '| metrics | byte budget | steps/s | markers seen | latency median ms | p95 ms | median first 5 s | median last 5 s | page busy | us in widget per step | frames |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    ''
  ].join('\n');
  fs.writeFileSync(OUT, text);
  fs.writeFileSync(OUT.replace(/\.md$/, '.json'), JSON.stringify(summary, null, 1));
  console.log(text);
});
