/**
 * Keep-aspect-and-pad resizing ("letterboxing"), as detectors, OCR and letterboxed classifiers feed
 * their inputs: the image is scaled to fit inside the target, and the rest is padding.
 */

/** Where the fitted image sits inside the target: at the top-left, or centred. */
export type PadAlign = 'start' | 'center';

/** The fitted image's size and position inside the target, in pixels. */
export interface FitBox {
  width: number;
  height: number;
  left: number;
  top: number;
}

/**
 * Fits a `srcWidth` x `srcHeight` image inside `dstWidth` x `dstHeight` keeping its aspect ratio:
 * scale = min(dstWidth / srcWidth, dstHeight / srcHeight), each side rounded to the nearest pixel
 * (at least 1, at most the target), then placed at the top-left (`start`) or centred (`center`;
 * an odd remainder puts the extra padding pixel at the bottom/right).
 */
export function letterboxBox(srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number, align: PadAlign): FitBox {
  const scale = Math.min(dstWidth / srcWidth, dstHeight / srcHeight);
  const width = Math.min(dstWidth, Math.max(1, Math.round(srcWidth * scale)));
  const height = Math.min(dstHeight, Math.max(1, Math.round(srcHeight * scale)));
  const left = align === 'center' ? Math.floor((dstWidth - width) / 2) : 0;
  const top = align === 'center' ? Math.floor((dstHeight - height) / 2) : 0;
  return { width, height, left, top };
}

/**
 * Share of a `srcWidth` x `srcHeight` image that a centre crop to the target's aspect ratio keeps,
 * in (0, 1]: what `--resize crop` throws away on images of another shape.
 */
export function cropKeptFraction(srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number): number {
  const scale = Math.max(dstWidth / srcWidth, dstHeight / srcHeight);
  return Math.min(1, dstWidth / (srcWidth * scale)) * Math.min(1, dstHeight / (srcHeight * scale));
}
