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

/**
 * Swaps the red and blue samples of decoded 8-bit pixels in place (`channels` per pixel, 3 or 4;
 * grey is left alone): how BGR models get their input, before normalisation, so that the mean and
 * std given per tensor channel apply to B, G, R in that order.
 */
export function swapRedBlue(data: Uint8Array, channels: number): void {
  if (channels < 3) return;
  for (let i = 0; i + 2 < data.length; i += channels) {
    const r = data[i];
    data[i] = data[i + 2];
    data[i + 2] = r;
  }
}

/**
 * Writes a normalised fitted image (`inner`: `box.width` x `box.height` values per channel, in
 * `layout` order) into the target tensor at `offset`, at the box's position, and fills the rest
 * with `pad[c]` (the padding's normalised value per channel).
 */
export function placeInBox(
  inner: Float32Array,
  box: FitBox,
  target: { width: number; height: number; channels: number; layout: 'NCHW' | 'NHWC' },
  pad: number[],
  out: Float32Array,
  offset: number,
): void {
  const { width: W, height: H, channels: C } = target;
  const hw = W * H;
  if (target.layout === 'NCHW') {
    for (let c = 0; c < C; c++) out.fill(pad[c], offset + c * hw, offset + (c + 1) * hw);
    for (let c = 0; c < C; c++) {
      for (let y = 0; y < box.height; y++) {
        const src = c * box.width * box.height + y * box.width;
        out.set(inner.subarray(src, src + box.width), offset + c * hw + (box.top + y) * W + box.left);
      }
    }
  } else {
    for (let i = 0; i < hw; i++) for (let c = 0; c < C; c++) out[offset + i * C + c] = pad[c];
    for (let y = 0; y < box.height; y++) {
      const src = y * box.width * C;
      out.set(inner.subarray(src, src + box.width * C), offset + ((box.top + y) * W + box.left) * C);
    }
  }
}
