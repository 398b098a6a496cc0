/**
 * The label-issue parts of the HTML report in Chromium: the gallery lists the planted label error
 * first (a hostile file name rendered as text), its marker is ringed in the t-SNE plot, and the
 * class filter and path search dim and outline markers.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditModel } from '../../src/audit/model-audit.js';
import { writeReportDirectory } from '../../src/report/index.js';
import { tinyClassifier } from '../helpers/onnx-builder.js';
import { makeImageFolder, tempDir, writeImage } from '../helpers/images.js';
import { ARTIFACT_DIR, HAS_CHROMIUM, launchChromium } from './chromium.js';

const WRONG = '<img src=x onerror=alert(1)>.png';
let close: (() => Promise<void>) | undefined;
let page: Page;
const errors: string[] = [];

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  const root = await tempDir('sa-browser-li-');
  await makeImageFolder(root, { classes: ['dark', 'mid', 'light'], perClass: 8 });
  await writeImage(path.join(root, 'train', 'dark', WRONG), 8, 8, 3, (x, y, c) => 190 + ((x + y + c) % 5) * 3);
  const subject = await auditModel(tinyClassifier({ classes: 2 }), { data: root });
  await subject.analyze('data', { k: 3 });
  await subject.labelIssues('data', { k: 3 });
  await subject.separation('data', { k: 3, embedding: true, perplexity: 5 });
  const written = await writeReportDirectory(subject.report(), await tempDir('sa-browser-li-out-'));
  const b = await launchChromium();
  close = b.close;
  page = await b.context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', async (d) => {
    errors.push(`dialog: ${d.message()}`);
    await d.dismiss();
  });
  await page.goto(pathToFileURL(written.html).href, { waitUntil: 'load' });
}, 180_000);

afterAll(async () => {
  await close?.();
});

describe.skipIf(!HAS_CHROMIUM)('label issues in the HTML report', () => {
  it('lists the planted label error first, its file name as text', async () => {
    const first = page.locator('section[data-section="label-issues"] li.misfit').first();
    expect(await first.getAttribute('data-path')).toBe(`train/dark/${WRONG}`);
    expect(await first.locator('.path').textContent()).toBe(`train/dark/${WRONG}`);
    expect(await first.locator('.badge').textContent()).toBe('label-error');
    expect(await first.locator('.row .cell').count()).toBe(3);
    await page.locator('section[data-section="label-issues"]').screenshot({ path: path.join(ARTIFACT_DIR, 'label-issues.png') });
    expect(errors).toEqual([]);
  });

  it('draws every badge, the neutral kind badges (model-confusion, ambiguous, outlier) too, in a colour that differs from its background', async () => {
    const seen = await page.evaluate(() => {
      // A neutral badge as the gallery writes one for a model-confusion suspect, beside the page's own.
      const probe = document.createElement('span');
      probe.className = 'badge sm';
      probe.textContent = 'model-confusion';
      document.querySelector('section[data-section="label-issues"]')?.append(probe);
      const out = [...document.querySelectorAll('.badge')].map((b) => {
        const st = getComputedStyle(b);
        const bg = st.backgroundColor === 'rgba(0, 0, 0, 0)' ? getComputedStyle(document.body).backgroundColor : st.backgroundColor;
        return { cls: b.className, text: b.textContent, color: st.color, bg };
      });
      probe.remove();
      return out;
    });
    expect(seen.some((b) => b.cls === 'badge sm')).toBe(true);
    for (const b of seen) expect(b.color, `${b.cls} "${b.text}"`).not.toBe(b.bg);
  });

  it('rings the suspects in the t-SNE plot and filters by class and path', async () => {
    const plot = page.locator('section[data-section="tsne"] svg.scatter').first();
    const ring = plot.locator('.ring.ring-label-error');
    expect(await ring.count()).toBe(1);
    const i = Number(await ring.getAttribute('data-i'));
    const tools = page.locator('.tsne-tools');
    await tools.locator('.tsne-search').fill('onerror');
    expect(await plot.locator('.pt.hit').count()).toBe(1);
    expect(await plot.locator('.pt.hit').getAttribute('data-i')).toBe(String(i));
    expect(await tools.locator('.tsne-count').textContent()).toMatch(/^1 of \d+ hoverable markers match$/);
    await tools.locator('.tsne-search').fill('');
    await tools.locator('.tsne-class').selectOption({ label: 'light' });
    const dimmed = await plot.locator('.pt.dim').count();
    const all = await plot.locator('.pt').count();
    expect(all - dimmed).toBe(8); // the 8 light training images
    await page.locator('section[data-section="tsne"]').screenshot({ path: path.join(ARTIFACT_DIR, 'tsne-filter.png') });
    expect(errors).toEqual([]);
  });
});
