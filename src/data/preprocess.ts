/**
 * Image decoding and preprocessing with sharp: decode, resize, convert to the model's channels,
 * scale to [0, 1], normalise per channel, and lay out as the model expects (NCHW or NHWC).
 */

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { AuditError, paramError } from '../errors.js';

/** Resize modes: `crop` scales the shorter side to the target then center-crops (torchvision's
 * Resize + CenterCrop); `stretch` scales both sides independently. */
export type ResizeMode = 'crop' | 'stretch';

/** Tensor layouts of an image input. */
export type Layout = 'NCHW' | 'NHWC';

/** Everything needed to turn an image file into model input. */
export interface Preprocess {
  width: number;
  height: number;
  /** 1 (grayscale, ITU-R 601-2 luma like PIL's convert('L')) or 3 (RGB). */
  channels: 1 | 3;
  layout: Layout;
  /** @default 'crop' */
  resize: ResizeMode;
  /** Per-channel mean subtracted after scaling to [0, 1]. @default [0, 0, 0] */
  mean: number[];
  /** Per-channel standard deviation divided by. @default [1, 1, 1] */
  std: number[];
}

/** Normalisation presets. */
export const PRESETS: Record<string, { mean: number[]; std: number[] }> = {
  imagenet: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  none: { mean: [0, 0, 0], std: [1, 1, 1] },
};

/** Values per image. */
export function tensorSize(p: Preprocess): number {
  return p.width * p.height * p.channels;
}

/** Validates a preprocessing description, throwing the one parameter error shape. */
export function validatePreprocess(p: Preprocess): Preprocess {
  for (const [name, v] of [['width', p.width], ['height', p.height]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 8192) throw paramError(`preprocess ${name}`, 'integer in [1, 8192]', v, 'Pass --size N or --size H,W when the model input size is dynamic');
  }
  for (const [name, v] of [['mean', p.mean], ['std', p.std]] as const) {
    if (!Array.isArray(v) || (v.length !== p.channels && v.length !== 1) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
      throw paramError(name, `${p.channels} finite numbers (one per channel)`, v);
    }
  }
  if (p.std.some((x) => x === 0)) throw paramError('std', 'non-zero values', p.std);
  if (p.resize !== 'crop' && p.resize !== 'stretch') throw paramError('resize', '"crop" or "stretch"', p.resize);
  return p;
}

/**
 * Decodes one image file and writes its preprocessed values into `out` at `offset`
 * (width x height x channels floats in `p.layout` order, without the batch dimension).
 * Returns the sha256 (hex) of the file's bytes. Throws an {@link AuditError} naming the file
 * when it cannot be read or decoded.
 */
export async function preprocessImage(file: string, p: Preprocess, out: Float32Array, offset: number): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new AuditError(`Cannot read image ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}. Check the path in your data set.`, 'E_IMAGE');
  }
  const hash = createHash('sha256').update(bytes).digest('hex');
  let data: Buffer;
  let info: sharp.OutputInfo;
  try {
    ({ data, info } = await sharp(bytes, { failOn: 'error', limitInputPixels: 268_402_689 })
      .resize(p.width, p.height, { fit: p.resize === 'crop' ? 'cover' : 'fill', position: 'centre' })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true }));
  } catch (err) {
    throw new AuditError(`Cannot decode image ${file}: ${(err as Error).message}. Replace or remove the file.`, 'E_IMAGE');
  }
  const srcC = info.channels; // 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA
  const hw = p.width * p.height;
  const mean = p.mean.length === 1 ? [p.mean[0], p.mean[0], p.mean[0]] : p.mean;
  const std = p.std.length === 1 ? [p.std[0], p.std[0], p.std[0]] : p.std;
  const inv = std.map((s) => 1 / s);
  const nchw = p.layout === 'NCHW';
  for (let i = 0; i < hw; i++) {
    const s = i * srcC;
    let r: number;
    let g: number;
    let b: number;
    if (srcC >= 3) {
      r = data[s];
      g = data[s + 1];
      b = data[s + 2];
    } else {
      r = g = b = data[s];
    }
    if (p.channels === 1) {
      const y = srcC >= 3 ? (r * 299 + g * 587 + b * 114) / 1000 : r;
      out[offset + i] = (y / 255 - mean[0]) * inv[0];
    } else if (nchw) {
      out[offset + i] = (r / 255 - mean[0]) * inv[0];
      out[offset + hw + i] = (g / 255 - mean[1]) * inv[1];
      out[offset + 2 * hw + i] = (b / 255 - mean[2]) * inv[2];
    } else {
      const o = offset + i * 3;
      out[o] = (r / 255 - mean[0]) * inv[0];
      out[o + 1] = (g / 255 - mean[1]) * inv[1];
      out[o + 2] = (b / 255 - mean[2]) * inv[2];
    }
  }
  return hash;
}

/**
 * Preprocesses a batch of files into one contiguous Float32Array of `files.length` images,
 * decoding at most `concurrency` files at a time. Returns the values and each file's sha256.
 */
export async function preprocessBatch(files: string[], p: Preprocess, concurrency = 4, out?: Float32Array): Promise<{ values: Float32Array; hashes: string[] }> {
  const size = tensorSize(p);
  const buf = out ?? new Float32Array(files.length * size);
  const hashes: string[] = new Array(files.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= files.length) return;
      hashes[i] = await preprocessImage(files[i], p, buf, i * size);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  return { values: buf, hashes };
}
