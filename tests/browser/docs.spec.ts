// The documentation site as a reader opens it from disk, offline: the built index (make docs) and a tutorial
// page show their pictures (the README's PNG, each plot's static SVG), math is typeset by the site's own
// MathJax, and no page asks the network for anything.
import { expect, Page, test } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

const SITE = path.resolve(__dirname, '..', '..', 'docs', '_build', 'html');
const ARTIFACTS = path.join(__dirname, 'artifacts');

async function open(page: Page, file: string, external: string[]): Promise<void> {
  const target = path.join(SITE, file);
  expect(fs.existsSync(target), `${target} (run make docs first)`).toBe(true);
  page.on('request', r => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) external.push(r.url());
  });
  await page.context().setOffline(true);
  await page.goto('file://' + target);
  await page.waitForLoadState('load');
}

// every <img> whose src matches, each decoded with a size (a broken picture has naturalWidth 0)
async function pictures(page: Page, src: RegExp): Promise<{ src: string; width: number }[]> {
  const all = await page.locator('img').evaluateAll(imgs =>
    imgs.map(i => ({ src: (i as HTMLImageElement).src, width: (i as HTMLImageElement).naturalWidth }))
  );
  return all.filter(i => src.test(i.src));
}

test('docs index: the widget picture loads offline, every page is linked', async ({ page }) => {
  const external: string[] = [];
  await open(page, 'index.html', external);
  const shown = await pictures(page, /\/widget-lab\.png$/);
  expect(shown.length).toBe(1);
  expect(shown[0].width).toBe(1100); // the browser tests' 1280 px screenshot of JupyterLab
  for (const name of ['getting-started', 'logging', 'plot', 'runs', 'adapters', 'stop-pause', 'follow',
    'landscape', 'large-runs', 'data-out', 'reliability', 'how-it-works', 'api', 'changelog',
    'tutorials/00_quickstart', 'tutorials/04_loss_landscape']) {
    await expect(page.locator(`a[href$="${name}.html"]`).first()).toBeAttached();
  }
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'docs-index.png'), fullPage: true });
  expect(external).toEqual([]);
});

for (const [file, atLeast] of [['tutorials/01_mse_regression.html', 3], ['tutorials/04_loss_landscape.html', 3],
  ['getting-started.html', 3]] as [string, number][]) {
  test(`docs ${file}: each plot's static picture loads offline, math is typeset`, async ({ page }) => {
    const external: string[] = [];
    await open(page, file, external);
    const plots = await pictures(page, /_images\/[0-9a-f]+\.svg$/);
    expect(plots.length).toBeGreaterThanOrEqual(atLeast);
    for (const p of plots) expect(p.width, p.src).toBeGreaterThan(100);
    // the picture is the widget's own SVG: its curves are polylines
    const first = decodeURIComponent(new URL(plots[0].src).pathname);
    expect(fs.readFileSync(first, 'utf8')).toContain('<polyline');
    if (file.startsWith('tutorials/')) {
      await expect(page.locator('mjx-container').first()).toBeAttached({ timeout: 15_000 });
      // no widget text fallback where the picture stands
      await expect(page.getByText(/^LiveLossWidget\(/)).toHaveCount(0);
    }
    await page.screenshot({ path: path.join(ARTIFACTS, `docs-${path.basename(file, '.html')}.png`), fullPage: true });
    expect(external).toEqual([]);
  });
}
