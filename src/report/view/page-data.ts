/**
 * The JSON island the page script reads: for every embedded image set its paths, classes and
 * thumbnail ids (tooltips), and the 3-D point clouds. Serialised so that it cannot close its
 * `<script>` element.
 */

import type { ModelContext } from './context.js';

/** The images of one report's query or reference split, for tooltips. */
export interface ImageSetData {
  paths: string[];
  /** Class index per image. */
  labels: number[];
  /** Thumbnail id per image (`th-<id>`), -1 for images without one (see `hover-thumbs.ts`). */
  thumbs: number[];
  classes: string[];
}

/** A 3-D t-SNE embedding for the rotating view. */
export interface CloudData {
  /** Key of the image set in {@link PageData.sets}. */
  set: string;
  /** Flat xyz, centred and scaled into the unit ball, 3 decimals. */
  coords: number[];
  title: string;
}

/** Everything the page script needs. */
export interface PageData {
  sets: Record<string, ImageSetData>;
  clouds: Record<string, CloudData>;
  colors: string[];
  shapes: string[];
}

/**
 * Registers (once) the query or reference images of a report as an image set with their
 * thumbnail ids (-1: none; all images get one when `thumbs` is absent); returns its key.
 */
export function registerImageSet(data: PageData, ctx: ModelContext, which: 'query' | 'reference', thumbs?: readonly number[]): string {
  const key = `${ctx.id}-${which}`;
  if (!data.sets[key]) {
    const images = ctx.report.data[which];
    data.sets[key] = {
      paths: images.map((im) => im.path),
      labels: images.map((im) => ctx.classIndex(im.label)),
      thumbs: thumbs ? [...thumbs] : images.map((im) => ctx.thumbId(im.path)),
      classes: ctx.report.data.classes,
    };
  }
  return key;
}

/** Centres xyz coordinates on their bounding box and scales them into the unit ball. */
export function normaliseCloud(coords: ArrayLike<number>): number[] {
  const n = Math.floor(coords.length / 3);
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < 3; d++) {
      const v = coords[3 * i + d];
      if (v < lo[d]) lo[d] = v;
      if (v > hi[d]) hi[d] = v;
    }
  }
  const c = lo.map((l, d) => (l + hi[d]) / 2);
  let r = 0;
  for (let i = 0; i < n; i++) {
    const dx = coords[3 * i] - c[0];
    const dy = coords[3 * i + 1] - c[1];
    const dz = coords[3 * i + 2] - c[2];
    r = Math.max(r, Math.hypot(dx, dy, dz));
  }
  const s = r > 0 ? 1 / r : 0;
  const out = new Array<number>(n * 3);
  for (let i = 0; i < n * 3; i++) out[i] = Math.round((coords[i] - c[i % 3]) * s * 1000) / 1000;
  return out;
}

/** JSON for a `<script type="application/json">` element: `<`, U+2028 and U+2029 escaped. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}
