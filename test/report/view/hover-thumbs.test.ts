import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allot } from '../../../src/report/thumbnail-sample.js';
import { imageFile } from '../../../src/report/thumbnails.js';
import type { RenderableReport } from '../../../src/report/types.js';
import { buildPage } from '../../../src/report/view/page.js';
import type { PageData } from '../../../src/report/view/page-data.js';
import { syntheticReport } from '../helpers.js';

const ROOT = path.resolve('/nonexistent/images'); // buildPage reads no file

/** 3 classes, 20 queries and 400 reference images per class, data and pool5 with 2-D t-SNE. */
async function big(options: { perClass?: number; referencePerClass?: number } = {}): Promise<RenderableReport> {
  return syntheticReport(ROOT, { classes: 3, perClass: options.perClass ?? 20, referencePerClass: options.referencePerClass ?? 400, layers: ['data', 'pool5'], files: false });
}

const island = (built: ReturnType<typeof buildPage>): PageData => JSON.parse(built.view.data.__markup.replace(/\\u003c/g, '<')) as PageData;

/** Files the grids, misfits and baseline sections show (their thumbnails are always embedded). */
function shownFiles(built: ReturnType<typeof buildPage>): Set<number> {
  const ids = new Set<number>();
  const add = (cls: string) => ids.add(Number(/th-(\d+)/.exec(cls)![1]));
  for (const m of built.view.models) {
    for (const g of m.grids) for (const p of g.panels) for (const r of p.rows) [r.query, ...r.neighbours].forEach((c) => add(c.cls));
    for (const x of m.misfits.items) [x.query, ...x.neighbours].forEach((c) => add(c.cls));
  }
  return ids;
}

describe('hover thumbnails of the t-SNE plots', () => {
  it('embed at most thumbnails.max distinct thumbnails: every image the other sections show, then a sample', async () => {
    const report = await big();
    const required = buildPage([report], { thumbnails: { max: 0 } }).thumbs.files.length;
    const shown = shownFiles(buildPage([report], { thumbnails: { max: 0 } }));
    expect(shown.size).toBe(required);
    expect(required).toBeGreaterThan(50);
    // Query images appear only in the grids and misfits; the t-SNE shows the 1,200 reference images.
    const files = buildPage([report], { thumbnails: { max: 0 } }).thumbs.files;
    const queryOnly = files.filter((f) => f.includes(`${path.sep}test${path.sep}`)).length;
    expect(queryOnly).toBeGreaterThan(0);
    for (const max of [0, required - 10, required + 1, 300, 5000]) {
      const built = buildPage([report], { thumbnails: { max } });
      expect(built.thumbs.files.length).toBe(Math.min(Math.max(max, required), 1200 + queryOnly));
      // The images the grids and misfits show keep their thumbnails and ids.
      for (const id of shown) expect(id).toBeLessThan(built.thumbs.files.length);
    }
  });

  it('draw the sample per class, seeded, never twice the same, and give those points (only) a hover marker', async () => {
    const report = await big();
    const built = buildPage([report], { thumbnails: { max: 300 } });
    const set = island(built).sets['m0-reference'];
    const required = new Set(shownFiles(built));
    const file = (i: number) => imageFile(report.data, report.data.reference[i].path);
    const ids = built.thumbs.files;
    // Each reference image's id is that of its file; -1 where it has none.
    set.thumbs.forEach((id, i) => expect(id < 0 ? undefined : ids[id]).toBe(id < 0 ? undefined : file(i)));
    const sampled = set.thumbs.flatMap((id, i) => (id >= 0 && !required.has(id) ? [i] : []));
    const classOf = (i: number) => set.labels[i];
    // The sample fills what the other sections leave of the budget and is allotted to classes by the
    // numbers of images without a thumbnail.
    const budget = 300 - required.size;
    expect(sampled).toHaveLength(budget);
    const free = [0, 1, 2].map((c) => set.thumbs.filter((id, i) => classOf(i) === c && (id < 0 || !required.has(id))).length);
    expect([0, 1, 2].map((c) => sampled.filter((i) => classOf(i) === c).length)).toEqual(allot(free, budget));
    // Same seed, same sample; another seed, another.
    expect(island(buildPage([report], { thumbnails: { max: 300 } })).sets['m0-reference'].thumbs).toEqual(set.thumbs);
    expect(island(buildPage([report], { thumbnails: { max: 300, seed: 1 } })).sets['m0-reference'].thumbs).not.toEqual(set.thumbs);
    // The plots: one hover marker per image with a thumbnail, in image order.
    const withThumb = set.thumbs.flatMap((id, i) => (id >= 0 ? [i] : []));
    for (const v of built.view.models[0].tsne.primary) {
      const markers = [...v.scatter!.__markup.matchAll(/class="pt" data-i="(\d+)"/g)].map((m) => Number(m[1]));
      expect(markers).toEqual(withThumb);
    }
    expect(built.view.models[0].tsne.thumbnails).toBe(`${withThumb.length} of 1,200 reference images`);
    expect(built.view.models[0].tsne.sampled).toBe(true);
  });

  it('give every image a thumbnail when the budget allows', async () => {
    const report = await big({ referencePerClass: 30 });
    const built = buildPage([report]);
    const set = island(built).sets['m0-reference'];
    expect(set.thumbs.every((id) => id >= 0)).toBe(true);
    expect(built.view.models[0].tsne.thumbnails).toBe('90 of 90 reference images');
    expect(built.view.models[0].tsne.sampled).toBe(false);
  });

  it('rejects a bad limit with the one error shape', async () => {
    const report = await big({ referencePerClass: 5 });
    expect(() => buildPage([report], { thumbnails: { max: -1 } })).toThrow('Expected integer >= 0 for thumbnails.max but received -1');
    expect(() => buildPage([report], { thumbnails: { max: 1.5 } })).toThrow('Expected integer >= 0 for thumbnails.max but received 1.5');
  });
});

describe('the sections that show chosen images', () => {
  it('show as many images for 300 images per class as for 30 000: the grids and misfits do not grow with N', async () => {
    const counts = async (perClass: number, referencePerClass: number) => {
      const built = buildPage([await big({ perClass, referencePerClass })], { thumbnails: { max: 0 } });
      const m = built.view.models[0];
      return {
        gridRows: m.grids.map((g) => g.panels.map((p) => p.rows.length)),
        misfits: m.misfits.items.length,
        thumbnails: built.thumbs.files.length,
      };
    };
    const small = await counts(10, 100);
    const large = await counts(1000, 10000);
    // 3 classes x 2 per class + 4 worst rows per panel; 24 misfits; at most that many thumbnails.
    expect(small.gridRows).toEqual([[10, 10]]);
    expect(large.gridRows).toEqual(small.gridRows);
    expect(large.misfits).toBe(24);
    expect(small.misfits).toBeLessThanOrEqual(24);
    const k = 10;
    expect(large.thumbnails).toBeLessThanOrEqual(2 * 10 * (1 + k) + 24 * (1 + k));
  }, 60_000);
});
