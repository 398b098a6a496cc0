import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTemplates } from '../../src/report/assets.js';
import { writeReportDirectory } from '../../src/report/index.js';
import type { AuditReportBundle, RenderableReport } from '../../src/report/types.js';
import { tempDir } from '../helpers/images.js';
import { makeReport, renameClass, syntheticReport } from './helpers.js';

let report: RenderableReport;
let out: string;
let html: string;

beforeAll(async () => {
  ({ report } = await makeReport({ classes: ['red', 'green', 'blue'], perClass: 6, minPurity: 0.5 }));
  renameClass(report, 'blue', '</script><b>');
  out = await tempDir('sa-write-');
  await writeReportDirectory(report, out);
  html = await readFile(path.join(out, 'index.html'), 'utf8');
}, 120_000);

describe('writeReportDirectory', () => {
  it('writes index.html, the report itself as report.json, and PNG renditions', async () => {
    expect(JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8'))).toEqual(report);
    const pngs = (await readdir(out)).filter((f) => f.endsWith('.png')).sort();
    expect(pngs).toEqual(['confusion-pool5.png', 'neighbors-pool5.png', 'purity-bars.png', 'tsne-data.png', 'tsne-pool5.png']);
    for (const f of pngs) {
      const meta = await sharp(path.join(out, f)).metadata();
      expect(meta.format).toBe('png');
      expect(meta.width).toBeGreaterThan(300);
    }
  });

  it('is self-contained: no external URL, every thumbnail defined once as a data URI', () => {
    const urls = [...html.matchAll(/\b(?:src|href)\s*=\s*["']?([^"'\s>]+)/gi)].map((m) => m[1]).filter((u) => !u.startsWith('#'));
    expect(urls).toEqual([]);
    expect(html.replaceAll('xmlns="http://www.w3.org/2000/svg"', '')).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<link\b|<img\b|@import/i);
    const defs = [...html.matchAll(/\.th-(\d+)\{background-image:url\(data:image\/webp;base64,/g)].map((m) => Number(m[1]));
    expect(defs.length).toBeGreaterThan(0);
    expect(new Set(defs).size).toBe(defs.length);
    expect(defs).toEqual(defs.map((_, i) => i));
    // Ids are used, and only ids that are defined.
    const used = new Set([...html.matchAll(/class="th th-(\d+)"/g)].map((m) => Number(m[1])));
    for (const id of used) expect(id).toBeLessThan(defs.length);
  });

  it('keeps a </script> class name inside the JSON island', () => {
    const island = html.match(/<script type="application\/json" id="sa-data">([\s\S]*?)<\/script>/)![1];
    expect(island).not.toContain('</script');
    expect(JSON.parse(island).sets['m0-reference'].classes).toContain('</script><b>');
    expect(html.match(/<script\b/g)).toHaveLength(2);
  });

  it('shows notes where data are missing: no t-SNE, too few layers for a sweep, images gone', async () => {
    const { report: bare, root } = await makeReport({ tsne: false, layers: ['data'] });
    const { rm } = await import('node:fs/promises');
    await rm(path.join(root, 'train', 'red'), { recursive: true });
    const dir = await tempDir('sa-write-bare-');
    const written = await writeReportDirectory(bare, dir);
    const page = await readFile(written.html, 'utf8');
    expect(page).toContain('t-SNE not computed for any layer.');
    expect(page).toContain('Only 1 layer audited. Audit more layers (--layers all)');
    // Only pixel space audited: one grid with one panel.
    expect(page.match(/<details class="grid"/g)).toHaveLength(1);
    expect(page.match(/<div class="panel">/g)).toHaveLength(1);
    expect(written.missingImages.length).toBeGreaterThan(0);
    expect(written.missingImages.every((m) => m.file.includes(`${path.sep}train${path.sep}red${path.sep}`) && m.reason === 'file not found')).toBe(true);
    expect(page).toMatch(/\.th-\d+\{background-color:#ddd\}/);
  });

  it('puts several audits on one page and bundles them in report.json', async () => {
    const { report: other } = await makeReport({ classes: ['x', 'y'], perClass: 4 });
    const dir = await tempDir('sa-write-many-');
    const written = await writeReportDirectory([report, other], dir, { png: true });
    const bundle = JSON.parse(await readFile(written.json!, 'utf8')) as AuditReportBundle;
    expect(bundle.reports).toEqual([report, other]);
    expect(bundle.passed).toBe(report.passed && other.passed);
    expect(written.pngs.map((p) => path.basename(p))).toEqual(expect.arrayContaining(['m0-purity-bars.png', 'm1-purity-bars.png']));
    const page = await readFile(written.html, 'utf8');
    expect(page.match(/<article class="model"/g)).toHaveLength(2);
  });

  it('rejects what is not a report', async () => {
    await expect(writeReportDirectory(null as never, out)).rejects.toThrow('Expected an audit report (report.json of semantic-audit) for report 0 but received null');
  });

  it('keeps 1,000 images (incompressible thumbnails, three layers) under 10 MB', async () => {
    const root = await tempDir('sa-write-1000-');
    const big = await syntheticReport(root, { classes: 10, perClass: 50, layers: ['data', 'conv1', 'pool5'] });
    expect(big.data.query.length + big.data.reference.length).toBe(1000);
    const written = await writeReportDirectory(big, path.join(root, 'out'), { png: false });
    expect(written.thumbnails).toBeGreaterThan(500);
    expect(written.htmlBytes).toBeLessThan(10 * 1024 * 1024);
  }, 180_000);
});

describe('writeReportDirectory with many images', () => {
  it('encodes at most thumbnails.max thumbnails and says on the page how many points have one', async () => {
    const root = await tempDir('sa-write-many-thumbs-');
    const many = await syntheticReport(root, { classes: 3, perClass: 10, referencePerClass: 300, layers: ['data', 'pool5'], size: 8 });
    const few = await writeReportDirectory(many, path.join(root, 'few'), { png: false, json: false, thumbnails: { max: 0 }, gridPerClass: 1, gridWorst: 0, misfits: 1 });
    const required = few.thumbnails;
    const written = await writeReportDirectory(many, path.join(root, 'out'), { png: false, json: false, thumbnails: { max: required + 40 }, gridPerClass: 1, gridWorst: 0, misfits: 1 });
    expect(written.thumbnails).toBe(required + 40);
    const page = await readFile(written.html, 'utf8');
    const defs = [...page.matchAll(/\.th-(\d+)\{background-image:url\(data:image\/webp;base64,/g)];
    expect(defs).toHaveLength(written.thumbnails);
    const island = JSON.parse(page.match(/<script type="application\/json" id="sa-data">([\s\S]*?)<\/script>/)![1]);
    const withThumb = island.sets['m0-reference'].thumbs.filter((id: number) => id >= 0).length;
    expect(withThumb).toBeGreaterThan(40);
    expect(withThumb).toBeLessThan(required + 40);
    expect(page).toContain(`Hover thumbnails: ${withThumb} of 900 reference images. They are a seeded sample of each class plus every image the neighbour grids and misfits show`);
    expect(page.match(/class="pt" data-i=/g)).toHaveLength(2 * withThumb);
  }, 120_000);
});

describe('templates', () => {
  it('never use the triple-stash: only {{markup}} inserts unescaped, trusted SVG', () => {
    const templates = readTemplates();
    expect([...templates.keys()]).toEqual(['baseline', 'classes', 'deltas', 'label-issues', 'misfits', 'neighbours', 'report', 'summary', 'sweep', 'thumb', 'tsne-layers', 'tsne']);
    for (const [name, source] of templates) expect(source.includes('{{{') || source.includes('{{&'), name).toBe(false);
  });

  it('ship with the package next to the compiled code', () => {
    expect(existsSync(path.resolve(__dirname, '../../reporters/html/templates/report.hbs'))).toBe(true);
  });
});

describe('writeReportDirectory with a cache', () => {
  it('reuses encoded thumbnails and PNGs (same bytes), and re-encodes an image whose file changed', async () => {
    const { ActivationCache } = await import('../../src/cache/activation-cache.js');
    const cacheDir = await tempDir('sa-write-cache-');
    const outA = await tempDir('sa-write-a-');
    const outB = await tempDir('sa-write-b-');
    const cold = new ActivationCache(cacheDir);
    await writeReportDirectory(report, outA, { cache: cold });
    expect(cold.stats.resultHits).toBe(0);
    expect(cold.stats.writes).toBeGreaterThan(0);
    const warm = new ActivationCache(cacheDir);
    await writeReportDirectory(report, outB, { cache: warm });
    expect(warm.stats.resultHits).toBe(cold.stats.writes);
    expect(warm.stats.resultMisses).toBe(0);
    for (const f of (await readdir(outA)).filter((n) => n.endsWith('.png') || n.endsWith('.html'))) {
      expect(await readFile(path.join(outB, f)), f).toEqual(await readFile(path.join(outA, f)));
    }
    // Without a cache the page is byte-identical too (cached thumbnails are not stale or re-encoded differently).
    const outC = await tempDir('sa-write-c-');
    await writeReportDirectory(report, outC);
    expect(await readFile(path.join(outC, 'index.html'))).toEqual(await readFile(path.join(outA, 'index.html')));
    // Change one image file: its thumbnail is encoded again (a miss), and the page shows the new one.
    const file = path.join(report.data.source, ...report.data.reference[0].path.split('/'));
    await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 10, g: 200, b: 30 } } }).png().toFile(file);
    const changed = new ActivationCache(cacheDir);
    const outD = await tempDir('sa-write-d-');
    await writeReportDirectory(report, outD, { cache: changed });
    expect(changed.stats.resultMisses).toBeGreaterThanOrEqual(1);
    expect(await readFile(path.join(outD, 'index.html'))).not.toEqual(await readFile(path.join(outA, 'index.html')));
  }, 120_000);
});
