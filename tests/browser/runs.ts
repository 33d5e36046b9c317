// Helpers for the run tests: the lines of each run and the run table's rows.
import type { Locator } from '@playwright/test';
import { parsePath } from './helpers';

/** The raw line of each run with points in the first figure: its run (the legend label), points and colour. */
export async function runLines(root: Locator): Promise<{ run: string; points: number; stroke: string }[]> {
  const found = await root
    .locator('div.bqplot.figure')
    .first()
    .locator('svg.svg-figure g.curve')
    .evaluateAll(curves =>
      curves.map(g => {
        const line = g.querySelector('path.line');
        return {
          run: (g.querySelector('text.curve_label')?.textContent || '').trim(),
          d: line?.getAttribute('d') || '',
          stroke: line ? getComputedStyle(line).stroke : ''
        };
      })
    );
  const seen = new Set<string>();
  const out: { run: string; points: number; stroke: string }[] = [];
  for (const c of found) {
    const points = parsePath(c.d).length;
    // a run's first (training) series carries the run name; the raw line comes before the smoothed one
    if (!c.run.startsWith('lr=') || c.run.includes('·') || seen.has(c.run) || points === 0) continue;
    seen.add(c.run);
    out.push({ run: c.run, points, stroke: c.stroke });
  }
  return out;
}

/** The run table's row (checkbox and cells) of run `name`. */
export function runTableRow(root: Locator, name: string): Locator {
  return root.locator('.widget-hbox', { has: root.page().locator(`.lossplot-run[data-run="${name}"]`) });
}
