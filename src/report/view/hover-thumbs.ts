/**
 * The hover thumbnails of the t-SNE plots: which images of each embedded image set get one (see
 * `thumbnail-sample.ts`), decided once per page after the other sections have claimed theirs.
 */

import { checkInteger } from '../../errors.js';
import { readTsne } from '../extras.js';
import { DEFAULT_MAX_THUMBNAILS, allot, stratifiedSample } from '../thumbnail-sample.js';
import { imageFile } from '../thumbnails.js';
import type { ModelContext, ThumbIndex } from './context.js';

/** Options of {@link hoverThumbnails}. */
export interface HoverThumbnailOptions {
  /**
   * Distinct thumbnails on the page: the sample fills what the grids, misfits and baseline
   * sections leave of it (those are always embedded, so a page may hold more). @default 2000
   */
  max?: number;
  /** Seed of the sample. @default 0 */
  seed?: number;
}

/** The query or reference images that some layer's 2-D or 3-D t-SNE embeds. */
function embeddedSets(ctx: ModelContext): ('query' | 'reference')[] {
  const used = new Set<'query' | 'reference'>();
  for (const l of ctx.report.layers) {
    for (const key of ['2d', '3d'] as const) {
      const t = readTsne(ctx.report, l, key);
      if (t.ok) used.add(t.embedding.images);
    }
  }
  return (['reference', 'query'] as const).filter((w) => used.has(w));
}

/**
 * Chooses the hover thumbnails of every embedded image set of the page, assigning ids in `thumbs`
 * to the sampled images. Call after every other section has taken its thumbnails from `thumbs`:
 * those images keep theirs (and are hoverable), and the budget `max - thumbs.files.length` is
 * allotted to the sets by their numbers of images without one, then to classes within each set
 * (`stratifiedSample`, seeded). Returns the thumbnail id of every image of each set (-1 where it
 * has none), keyed `<model id>-<query|reference>`.
 */
export function hoverThumbnails(contexts: ModelContext[], thumbs: ThumbIndex, options: HoverThumbnailOptions = {}): Map<string, number[]> {
  const max = checkInteger('thumbnails.max', options.max ?? DEFAULT_MAX_THUMBNAILS, 0);
  const seed = checkInteger('thumbnails.seed', options.seed ?? 0, 0);
  const sets = contexts.flatMap((ctx) =>
    embeddedSets(ctx).map((which) => {
      const files = ctx.report.data[which].map((im) => imageFile(ctx.report.data, im.path));
      return { key: `${ctx.id}-${which}`, files, labels: ctx.report.data[which].map((im) => ctx.classIndex(im.label)) };
    }),
  );
  const without = (files: string[]) => files.flatMap((f, i) => (thumbs.get(f) === undefined ? [i] : []));
  const shares = allot(sets.map((s) => without(s.files).length), max - thumbs.files.length);
  const out = new Map<string, number[]>();
  let carry = 0;
  sets.forEach((s, k) => {
    // Files sampled for an earlier set (the same image in two sets) are not drawn again.
    const candidates = without(s.files);
    const take = Math.min(candidates.length, shares[k] + carry);
    carry += shares[k] - take;
    for (const i of stratifiedSample(s.labels, candidates, take, seed)) thumbs.id(s.files[i]);
    out.set(s.key, s.files.map((f) => thumbs.get(f) ?? -1));
  });
  return out;
}
