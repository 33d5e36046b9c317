// Voila: training started by a button blocks the kernel (it runs inside the click message); every control of the
// widget still acts while it runs (issue 25); latencies printed.
import { expect, test } from '@playwright/test';
import { printed } from './helpers';
import { exerciseControls, report, startVoilaTraining } from './live';

const APP = 'tests/browser/notebooks/voila_live_controls.ipynb';

test('Voila: every control acts while a button-started loop blocks, and Resume resumes', async ({ page }) => {
  const { widget, result, running } = await startVoilaTraining(page, `/voila/render/${APP}`);
  const ms = await exerciseControls(page, widget, running);
  console.log(report('Voila', ms));
  expect(printed(await result.innerText(), 'ELAPSED')).toBeLessThan(58);
});
