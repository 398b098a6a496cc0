/**
 * Turning decoded 8-bit pixels into model input (the last step of preprocessing).
 */

import type { Preprocess } from './preprocess.js';

/**
 * A function that writes decoded 8-bit samples (`srcChannels` per pixel: 1 grey, 2 grey+alpha,
 * 3 RGB, 4 RGBA; alpha ignored) as model input at `offset`: scaled to [0, 1], minus the channel's
 * mean, times 1 / std, in `p.layout` order. A grey model (`p.channels` 1) takes the ITU-R 601-2
 * luma of colour samples, as PIL's `convert('L')` does. The one normaliser of the package: used by
 * `preprocessImage` (after sharp) and by the extraction pipeline's PNG fast path alike.
 */
export function normalizer(p: Preprocess): (data: Uint8Array, srcChannels: number, out: Float32Array, offset: number) => void {
  const hw = p.width * p.height;
  const mean = p.mean.length === 1 ? [p.mean[0], p.mean[0], p.mean[0]] : p.mean;
  const std = p.std.length === 1 ? [p.std[0], p.std[0], p.std[0]] : p.std;
  const inv = std.map((s) => 1 / s);
  // One table per channel of `(v / 255 - mean) * inv` for v = 0..255: the same expression, so the
  // same floats, without a division per sample.
  const lut = [0, 1, 2].map((c) => {
    const t = new Float32Array(256);
    for (let v = 0; v < 256; v++) t[v] = (v / 255 - mean[c]) * inv[c];
    return t;
  });
  const [l0, l1, l2] = lut;
  const nchw = p.layout === 'NCHW';
  return (data, srcChannels, out, offset) => {
    if (p.channels === 1) {
      for (let i = 0; i < hw; i++) {
        const s = i * srcChannels;
        if (srcChannels >= 3) {
          // preprocessImage sees grey as three equal channels (sharp's raw output), whose luma is exact.
          const y = (data[s] * 299 + data[s + 1] * 587 + data[s + 2] * 114) / 1000;
          out[offset + i] = (y / 255 - mean[0]) * inv[0];
        } else {
          out[offset + i] = l0[data[s]];
        }
      }
      return;
    }
    for (let i = 0; i < hw; i++) {
      const s = i * srcChannels;
      const r = data[s];
      const g = srcChannels >= 3 ? data[s + 1] : r;
      const b = srcChannels >= 3 ? data[s + 2] : r;
      if (nchw) {
        out[offset + i] = l0[r];
        out[offset + hw + i] = l1[g];
        out[offset + 2 * hw + i] = l2[b];
      } else {
        const o = offset + i * 3;
        out[o] = l0[r];
        out[o + 1] = l1[g];
        out[o + 2] = l2[b];
      }
    }
  };
}
