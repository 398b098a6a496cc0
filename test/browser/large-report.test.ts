/**
 * A report of 3,000 reference images with a small thumbnail budget in Chromium: every point is
 * drawn, only the sampled ones answer a hover (with their image), the page says how many have a
 * thumbnail, and the 3-D view's tooltip shows no picture for an image without one.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReportDirectory } from '../../src/report/index.js';
import type { RenderableReport } from '../../src/report/types.js';
import type { PageData } from '../../src/report/view/page-data.js';
import { tempDir } from '../helpers/images.js';
import { syntheticReport } from '../report/helpers.js';
import { ARTIFACT_DIR, HAS_CHROMIUM, launchChromium } from './chromium.js';

let browser: { context: BrowserContext; close: () => Promise<void> };
let page: Page;
let report: RenderableReport;
let island: PageData;
const errors: string[] = [];

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  const root = await tempDir('sa-browser-large-');
  report = await syntheticReport(root, { classes: 3, perClass: 10, referencePerClass: 1000, layers: ['data', 'pool5'], size: 8 });
  const written = await writeReportDirectory(report, path.join(root, 'out'), { png: false, thumbnails: { max: 300 } });
  expect(written.thumbnails).toBe(300);
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(written.html).href, { waitUntil: 'load' });
  island = JSON.parse((await page.locator('#sa-data').textContent())!) as PageData;
}, 180_000);

afterAll(async () => {
  await browser?.close();
});

describe.skipIf(!HAS_CHROMIUM)('HTML report of 3,000 images with 300 thumbnails in Chromium', () => {
  it('loads without errors and says how many points have a thumbnail', async () => {
    expect(errors).toEqual([]);
    const thumbs = island.sets['m0-reference'].thumbs;
    const count = thumbs.filter((id) => id >= 0).length;
    expect(count).toBeGreaterThan(50);
    expect(count).toBeLessThan(300);
    const note = page.locator('section[data-section="tsne"] [data-note="thumbnails"]');
    expect(await note.isVisible()).toBe(true);
    expect(await note.textContent()).toContain(`Hover thumbnails: ${count} of 3,000 reference images.`);
    // One hover marker per image with a thumbnail, in each plot; the rest drawn in one path per class.
    const plot = page.locator('section[data-section="tsne"] svg.scatter').first();
    expect(await plot.locator('.pt').count()).toBe(count);
    expect(await plot.locator('g.dense path').count()).toBe(3);
  });

  it('shows the image of a sampled point on hover', async () => {
    const plot = page.locator('svg.scatter').nth(1);
    await plot.scrollIntoViewIfNeeded();
    const marker = plot.locator('.pt').nth(5);
    const i = Number(await marker.getAttribute('data-i'));
    const box = (await marker.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const tip = page.locator('#sa-tip');
    await expect.poll(() => tip.isVisible()).toBe(true);
    expect(await tip.locator('.tip-path').textContent()).toBe(report.data.reference[Number(await plot.locator('.pt.on').getAttribute('data-i'))].path);
    expect(island.sets['m0-reference'].thumbs[i]).toBeGreaterThanOrEqual(0);
    expect(await tip.locator('.th').evaluate((e) => getComputedStyle(e).backgroundImage)).toMatch(/^url\("data:image\/webp;base64,/);
    await mkdir(ARTIFACT_DIR, { recursive: true });
    await page.locator('section[data-section="tsne"]').screenshot({ path: path.join(ARTIFACT_DIR, 'tsne-3000-hover.png') });
    await page.mouse.move(2, 2);
  });

  it('shows the 3-D tooltip without a picture for an image that has no thumbnail', async () => {
    const canvas = page.locator('canvas.cloud').nth(1);
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    const tip = page.locator('#sa-tip');
    const paths = island.sets['m0-reference'].paths;
    const seen = { with: 0, without: 0 };
    for (let gx = 0.2; gx <= 0.8; gx += 0.05) {
      for (let gy = 0.2; gy <= 0.8; gy += 0.1) {
        await page.mouse.move(box.x + gx * box.width, box.y + gy * box.height);
        if (!(await tip.isVisible())) continue;
        const i = paths.indexOf((await tip.locator('.tip-path').textContent())!);
        const has = island.sets['m0-reference'].thumbs[i] >= 0;
        expect(await tip.locator('.th').isVisible()).toBe(has);
        seen[has ? 'with' : 'without']++;
      }
    }
    expect(seen.without).toBeGreaterThan(0);
  });
});
