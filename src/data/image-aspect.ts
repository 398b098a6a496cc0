/**
 * A cheap check of the requested input size against the images: when every sampled image has the
 * transposed aspect of the target (all taller than wide for a wide target, or the reverse), the
 * size was most likely given as width,height.
 */

import sharp from 'sharp';
import { type PreprocessSources, normalisationWarning } from './preprocess-summary.js';

/** Image sizes of up to `sample` files spread evenly over `files` (headers only; unreadable files skipped). */
export async function sampleImageSizes(files: string[], sample = 64): Promise<{ width: number; height: number }[]> {
  const n = Math.min(sample, files.length);
  const picks = Array.from({ length: n }, (_, i) => files[Math.floor((i * files.length) / n)]);
  const sizes = await Promise.all(
    picks.map(async (f) => {
      try {
        const m = await sharp(f).metadata();
        return m.width && m.height ? { width: m.width, height: m.height } : undefined;
      } catch {
        return undefined; // decoding errors are reported by the extraction, with the file named
      }
    }),
  );
  return sizes.filter((s): s is { width: number; height: number } => s !== undefined);
}

/**
 * The warning when every one of `sizes` has the transposed aspect of `height` x `width` (a square
 * target or a square image never triggers it), else undefined.
 */
export function transposedAspectWarning(sizes: { width: number; height: number }[], height: number, width: number, total: number): string | undefined {
  if (sizes.length === 0 || height === width) return undefined;
  const wide = width > height;
  if (!sizes.every((s) => (wide ? s.height > s.width : s.width > s.height))) return undefined;
  const shape = wide ? 'taller than wide' : 'wider than tall';
  const sampled = sizes.length === total ? `All ${total} images are` : `All ${sizes.length} sampled images (of ${total}) are`;
  return (
    `${sampled} ${shape}, while the input size is ${height}x${width} (height x width, ${wide ? 'wider than tall' : 'taller than wide'}). ` +
    `Sizes are height first: if the model takes ${width}x${height} images, pass --size ${width}x${height}.`
  );
}

/**
 * The warnings an audit gives when it opens: no normalisation given (see `normalisationWarning`),
 * and every sampled image of `files` with the transposed aspect of the input size.
 */
export async function preprocessWarnings(sources: PreprocessSources, size: { height: number; width: number }, files: string[]): Promise<string[]> {
  const out: string[] = [];
  const noNorm = normalisationWarning(sources);
  if (noNorm) out.push(noNorm);
  const aspect = transposedAspectWarning(await sampleImageSizes(files), size.height, size.width, files.length);
  if (aspect) out.push(aspect);
  return out;
}
