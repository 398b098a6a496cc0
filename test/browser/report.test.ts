/**
 * The HTML report in a real browser (Debian Chromium via playwright-core): it loads offline with
 * no console errors, every section is there, t-SNE markers show their image on hover, the 3-D
 * view rotates, and hostile class, file, layer and test names render as text. Screenshots of
 * every section are saved to ARTIFACT_DIR for a person to look at.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareReports } from '../../src/baseline/compare.js';
import { writeReportDirectory } from '../../src/report/index.js';
import type { RenderableReport } from '../../src/report/types.js';
import { tempDir } from '../helpers/images.js';
import { makeReport } from '../report/helpers.js';
import { ARTIFACT_DIR, HAS_CHROMIUM, launchChromium } from './chromium.js';

const EVIL_CLASS = '<img src=x onerror=alert(1)>';
const EVIL_FILE = (cls: string, i: number) => (i === 0 ? `"><script>alert(2)<script>.png` : `${cls.length}-${i}.png`);
const EVIL_LAYER = '</style><script>alert(3)</script>';
const EVIL_TEST = '</script><script>alert(4)</script>';
const SECTIONS = ['summary', 'neighbours', 'tsne', 'sweep', 'misfits', 'classes', 'baseline'];

let browser: { context: BrowserContext; close: () => Promise<void> };
let page: Page;
let report: RenderableReport;
const consoleErrors: string[] = [];
const dialogs: string[] = [];
const requests: string[] = [];

/** A real audit of three layers with fake t-SNE, a baseline, a failing check and hostile names. */
async function hostileReport(): Promise<RenderableReport> {
  const { report: r } = await makeReport({ classes: ['plain', EVIL_CLASS, 'third class'], perClass: 8, names: EVIL_FILE, layers: ['data', 'conv1', 'pool5'], minPurity: 0.99 });
  r.model.path = `models/"><iframe src=javascript:alert(5)>.onnx`;
  const conv = r.layers.find((l) => l.name === 'conv1')!;
  conv.name = EVIL_LAYER;
  for (const c of r.checks) if (c.layer === 'conv1') c.layer = EVIL_LAYER;
  r.checks.push({ ...r.checks[0], name: 'named by a hostile test', source: EVIL_TEST, baseline: 0.5 });
  // The baseline: the same audit where every pool5 neighbour shared its query's class.
  const base = structuredClone(r) as RenderableReport;
  const b5 = base.layers.find((l) => l.name === 'pool5')!;
  for (const im of b5.knn.images) im.neighborLabels = im.neighborLabels.map(() => im.label);
  b5.knn.purity.micro = Math.min(1, b5.knn.purity.micro + 0.1);
  r.comparisons = [compareReports(base as never, r as never, { sources: { before: 'main@0123abc' } })];
  return r;
}

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  report = await hostileReport();
  const out = await tempDir('sa-browser-report-');
  const written = await writeReportDirectory(report, out);
  await mkdir(ARTIFACT_DIR, { recursive: true });
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  page.on('dialog', async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });
  page.on('request', (r) => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url());
  });
  await page.goto(pathToFileURL(written.html).href, { waitUntil: 'load' });
}, 180_000);

afterAll(async () => {
  await browser?.close();
});


describe.skipIf(!HAS_CHROMIUM)('HTML report in Chromium', () => {
  it('loads offline with no console errors and no network requests', async () => {
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
    expect(await page.title()).toContain('(failed)');
  });

  it('has every section, each with content; screenshots saved', async () => {
    for (const s of SECTIONS) {
      const el = page.locator(`section[data-section="${s}"]`);
      await expect.poll(() => el.count()).toBe(1);
      expect(await el.isVisible()).toBe(true);
      await el.screenshot({ path: path.join(ARTIFACT_DIR, `section-${s}.png`) });
    }
    await page.screenshot({ path: path.join(ARTIFACT_DIR, 'report-full.png'), fullPage: true });
    expect(await page.locator('section[data-section="tsne"] svg.scatter').count()).toBe(3);
    expect(await page.locator('section[data-section="tsne"] canvas.cloud').count()).toBe(3);
    expect(await page.locator('section[data-section="tsne"] details.more svg.scatter').count()).toBe(1);
    expect(await page.locator('section[data-section="sweep"] figure.mini svg').count()).toBe(3);
    expect(await page.locator('section[data-section="neighbours"] details.grid').count()).toBe(2);
    expect(await page.locator('section[data-section="classes"] svg').count()).toBe(3);
    expect(await page.locator('section[data-section="baseline"] li.misfit').count()).toBe(Math.min(24, report.comparisons![0].neighbors.reduce((a, d) => a + d.lost, 0)));
    expect(await page.locator('section[data-section="baseline"] tr.regressed').count()).toBeGreaterThan(0);
    // Every thumbnail on the page has its image.
    const missing = await page.evaluate(() =>
      [...document.querySelectorAll('.th[role="img"]')].filter((e) => !getComputedStyle(e).backgroundImage.startsWith('url("data:image/webp')).length,
    );
    expect(missing).toBe(0);
  });

  it('shows the image, file and label when a t-SNE marker is hovered', async () => {
    // Pixel space and the main layer (pool5) come first; the other layers are collapsed.
    const plot = page.locator('svg.scatter').nth(1);
    await plot.scrollIntoViewIfNeeded();
    const box = (await plot.locator('.pt').nth(7).boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const tip = page.locator('#sa-tip');
    await expect.poll(() => tip.isVisible()).toBe(true);
    const i = Number(await plot.locator('.pt.on').getAttribute('data-i'));
    const set = (await plot.getAttribute('data-set'))!;
    expect(set).toBe('m0-reference');
    const image = report.data.reference[i];
    expect(await tip.locator('.tip-path').textContent()).toBe(image.path);
    expect(await tip.locator('.tip-label').textContent()).toBe(image.label);
    const bg = await tip.locator('.th').evaluate((e) => getComputedStyle(e).backgroundImage);
    expect(bg.startsWith('url("data:image/webp;base64,')).toBe(true);
    await page.locator('section[data-section="tsne"]').screenshot({ path: path.join(ARTIFACT_DIR, 'tsne-hover.png') });
    await page.mouse.move(2, 2);
    await expect.poll(() => tip.isVisible()).toBe(false);
  });

  it('shows the tooltip from the keyboard too', async () => {
    const plot = page.locator('svg.scatter').first();
    await plot.focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.locator('#sa-tip').isVisible()).toBe(true);
    expect(await page.locator('#sa-tip .tip-path').textContent()).toBe(report.data.reference[0].path);
    await page.keyboard.press('Escape');
  });

  it('rotates the 3-D view by dragging and with the arrow keys', async () => {
    const canvas = page.locator('canvas.cloud').nth(1);
    await canvas.scrollIntoViewIfNeeded();
    const before = { yaw: await canvas.getAttribute('data-yaw'), pixels: await canvas.evaluate((c: HTMLCanvasElement) => c.toDataURL()) };
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + 100, box.y + 160);
    await page.mouse.down();
    await page.mouse.move(box.x + 180, box.y + 170, { steps: 5 });
    await page.mouse.up();
    const yaw = Number(await canvas.getAttribute('data-yaw'));
    expect(yaw).toBeCloseTo(Number(before.yaw) + 0.8, 1);
    expect(await canvas.evaluate((c: HTMLCanvasElement) => c.toDataURL())).not.toBe(before.pixels);
    await canvas.focus();
    await page.keyboard.press('ArrowLeft');
    expect(Number(await canvas.getAttribute('data-yaw'))).toBeCloseTo(yaw - 0.1, 3);
    await canvas.screenshot({ path: path.join(ARTIFACT_DIR, 'tsne-3d-rotated.png') });
  });

  it('renders hostile class, file, layer and test names as text, never as markup', async () => {
    expect(dialogs).toEqual([]);
    expect(await page.locator('img, iframe').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(2);
    const text = await page.locator('body').innerText();
    expect(text).toContain(EVIL_CLASS);
    expect(text).toContain(EVIL_LAYER);
    expect(text).toContain(EVIL_TEST);
    expect(text).toContain(`"><script>alert(2)<script>.png`);
    expect(text).toContain(report.model.path);
    // The legend of the 2-D plot and the tooltip carry the class name as text as well.
    expect(await page.locator('svg.scatter .legend-item title').allTextContents()).toContain(EVIL_CLASS);
  });
});
