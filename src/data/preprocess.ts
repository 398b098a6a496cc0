/**
 * Image decoding and preprocessing with sharp: decode, resize, convert to the model's channels,
 * scale to [0, 1], normalise per channel, and lay out as the model expects (NCHW or NHWC).
 */

import sharp from 'sharp';
import { AuditError, paramError } from '../errors.js';
import { readImage, sha256Hex } from './image-file.js';
import { normalizer } from './normalize.js';

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
  const bytes = await readImage(file);
  const hash = sha256Hex(bytes);
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
  normalizerFor(p)(data, info.channels, out, offset);
  return hash;
}

const normalizers = new WeakMap<Preprocess, ReturnType<typeof normalizer>>();

/** The normaliser of a preprocessing, built once per `Preprocess` object. */
function normalizerFor(p: Preprocess): ReturnType<typeof normalizer> {
  let f = normalizers.get(p);
  if (!f) {
    f = normalizer(p);
    normalizers.set(p, f);
  }
  return f;
}
