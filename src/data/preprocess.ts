/**
 * Image decoding and preprocessing with sharp: decode, resize, convert to the model's channels,
 * scale to [0, 1], normalise per channel, and lay out as the model expects (NCHW or NHWC).
 */

import sharp from 'sharp';
import { AuditError, paramError } from '../errors.js';
import { readImage, sha256Hex } from './image-file.js';
import { type FitBox, type PadAlign, letterboxBox, placeInBox, swapRedBlue } from './letterbox.js';
import { normalizer } from './normalize.js';

/** Resize modes: `crop` scales the shorter side to the target then center-crops (torchvision's
 * Resize + CenterCrop); `stretch` scales both sides independently; `pad` keeps the aspect ratio,
 * fits the image inside the target and pads the rest (letterboxing, see `letterbox.ts`). */
export type ResizeMode = 'crop' | 'stretch' | 'pad';

/** Channel order of a 3-channel input. */
export type ChannelOrder = 'rgb' | 'bgr';

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
  /** Order of the 3 channels in the tensor (mean and std follow it). Absent: `rgb`. */
  channelOrder?: ChannelOrder;
  /**
   * With `resize: 'pad'`: the padding as a pixel value in [0, 255] (normalised like the image).
   * Absent: the normalised 0 (the mean colour).
   */
  padValue?: number;
  /** With `resize: 'pad'`: where the fitted image sits. Absent: `center`. */
  padAlign?: PadAlign;
}

/** Normalisation presets. */
export const PRESETS: Record<string, { mean: number[]; std: number[] }> = {
  imagenet: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  none: { mean: [0, 0, 0], std: [1, 1, 1] },
  /** [-1, 1]: Inception, MobileNet (TensorFlow/Keras), many TF-Hub and OCR models. */
  inception: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
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
  if (p.resize !== 'crop' && p.resize !== 'stretch' && p.resize !== 'pad') throw paramError('resize', '"crop", "stretch" or "pad"', p.resize);
  if (p.channelOrder !== undefined && p.channelOrder !== 'rgb' && p.channelOrder !== 'bgr') throw paramError('channels', '"rgb" or "bgr"', p.channelOrder);
  if (p.padValue !== undefined && (typeof p.padValue !== 'number' || !Number.isFinite(p.padValue) || p.padValue < 0 || p.padValue > 255)) {
    throw paramError('pad value', 'a pixel value in [0, 255]', p.padValue);
  }
  if (p.padAlign !== undefined && p.padAlign !== 'start' && p.padAlign !== 'center') throw paramError('pad align', '"start" or "center"', p.padAlign);
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
  if (p.resize === 'pad') {
    await letterboxImage(file, bytes, p, out, offset);
    return hash;
  }
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
  if (p.channelOrder === 'bgr' && p.channels === 3) swapRedBlue(data, info.channels);
  normalizerFor(p)(data, info.channels, out, offset);
  return hash;
}

/**
 * `resize: 'pad'`: decodes the image, scales it to fit inside the target keeping its aspect ratio
 * (sharp, only when the size changes), normalises it, and places it in the target tensor with
 * the padding around it.
 */
async function letterboxImage(file: string, bytes: Buffer, p: Preprocess, out: Float32Array, offset: number): Promise<void> {
  let data: Buffer;
  let info: sharp.OutputInfo;
  let box: FitBox;
  try {
    const input = sharp(bytes, { failOn: 'error', limitInputPixels: 268_402_689 });
    ({ data, info } = await input.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true }));
    box = letterboxBox(info.width, info.height, p.width, p.height, p.padAlign ?? 'center');
    if (box.width !== info.width || box.height !== info.height) {
      ({ data, info } = await sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
        .resize(box.width, box.height, { fit: 'fill' })
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true }));
    }
  } catch (err) {
    throw new AuditError(`Cannot decode image ${file}: ${(err as Error).message}. Replace or remove the file.`, 'E_IMAGE');
  }
  if (p.channelOrder === 'bgr' && p.channels === 3) swapRedBlue(data, info.channels);
  const inner = new Float32Array(box.width * box.height * p.channels);
  normalizer({ ...p, width: box.width, height: box.height })(data, info.channels, inner, 0);
  const mean = p.mean.length === 1 ? [p.mean[0], p.mean[0], p.mean[0]] : p.mean;
  const inv = (p.std.length === 1 ? [p.std[0], p.std[0], p.std[0]] : p.std).map((s) => 1 / s);
  // The padding's value goes through the same expression as a pixel's: (v / 255 - mean) * (1 / std).
  const pad = [0, 1, 2].map((c) => (p.padValue === undefined ? 0 : (p.padValue / 255 - mean[c]) * inv[c]));
  placeInBox(inner, box, p, pad, out, offset);
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
