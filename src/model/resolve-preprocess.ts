/**
 * The preprocessing of a model's input: from the user's options, the model's input shape and its
 * `semantic_audit.preprocess` metadata, with the defaults for what none of them says, and where
 * each value came from.
 */

import { AuditError, paramError } from '../errors.js';
import { type ChannelOrder, type Layout, type Preprocess, type ResizeMode, PRESETS, validatePreprocess } from '../data/preprocess.js';
import type { PadAlign } from '../data/letterbox.js';
import type { PreprocessSource, PreprocessSources } from '../data/preprocess-summary.js';
import type { LoadedModel } from './model.js';

/** Preprocessing options; unset fields come from the model (static input size, metadata) or defaults. */
export interface PreprocessOptions {
  /** Input size `N` or `[height, width]`; required when the model's input size is dynamic. */
  size?: number | [number, number];
  /** @default 'crop' (or the model's `semantic_audit.preprocess` metadata) */
  resize?: ResizeMode;
  /** With `resize: 'pad'`: the padding as a pixel value in [0, 255]. @default the normalised 0 */
  padValue?: number;
  /** With `resize: 'pad'`: where the fitted image sits. @default 'center' */
  padAlign?: PadAlign;
  /** Channel order of a 3-channel input. @default 'rgb' (or the metadata's `channels`) */
  channels?: ChannelOrder;
  /** Per-channel mean after scaling to [0, 1]. */
  mean?: number[];
  /** Per-channel standard deviation. */
  std?: number[];
  /** `imagenet`, `inception` ([-1, 1]) or `none`: sets mean and std. */
  preset?: string;
  /** Force the input layout when the model's shape is ambiguous. */
  layout?: Layout;
}

/** Resolves preprocessing from options, the model's input and its metadata. */
export function resolvePreprocess(model: Pick<LoadedModel, 'input' | 'hints' | 'label'>, options: PreprocessOptions = {}): Preprocess {
  return resolvePreprocessWithSources(model, options).preprocess;
}

/**
 * Resolves preprocessing from options, the model's input and its metadata, and says where each
 * value came from (options win over the metadata, which wins over the defaults).
 */
export function resolvePreprocessWithSources(model: Pick<LoadedModel, 'input' | 'hints' | 'label'>, options: PreprocessOptions = {}): { preprocess: Preprocess; sources: PreprocessSources } {
  const inp = model.input;
  const hints = model.hints;
  let height = inp.height;
  let width = inp.width;
  let sizeSource: PreprocessSource = 'model';
  if (options.size !== undefined) {
    const [h, w] = typeof options.size === 'number' ? [options.size, options.size] : options.size;
    if ((height !== undefined && height !== h) || (width !== undefined && width !== w)) {
      const transposed = height === w && width === h ? ` (height first: ${h}x${w} is ${w}x${h} transposed)` : '';
      throw paramError('size', `${height ?? '?'}x${width ?? '?'} (the model's fixed input size, height x width)`, `${h}x${w}${transposed}`, 'Leave --size out for models with a fixed input size');
    }
    if (height === undefined || width === undefined) sizeSource = 'option';
    height = h;
    width = w;
  }
  if (height === undefined || width === undefined) {
    throw new AuditError(
      `The input ${JSON.stringify(inp.name)} of ${model.label} has a dynamic size [${inp.shape.map((d) => d ?? '?').join(', ')}]; pass --size HxW (height x width, e.g. 48x192; preprocess.size [height, width]) with the size the model was trained on.`,
      'E_PARAM',
    );
  }
  const pick = <T>(option: T | undefined, hint: T | undefined, fallback: T): [T, PreprocessSource] =>
    option !== undefined ? [option, 'option'] : hint !== undefined ? [hint, 'metadata'] : [fallback, 'default'];
  let [mean, meanSource] = pick<number[]>(undefined, hints.mean, [0, 0, 0]);
  let [std, stdSource] = pick<number[]>(undefined, hints.std, [1, 1, 1]);
  if (options.preset !== undefined) {
    const preset = PRESETS[options.preset];
    if (!preset) throw paramError('preset', `one of ${Object.keys(PRESETS).join(', ')}`, options.preset);
    [mean, std, meanSource, stdSource] = [preset.mean, preset.std, 'option', 'option'];
  }
  if (options.mean) [mean, meanSource] = [options.mean, 'option'];
  if (options.std) [std, stdSource] = [options.std, 'option'];
  if (inp.channels === 1) {
    mean = mean.slice(0, 1);
    std = std.slice(0, 1);
  }
  const [resize, resizeSource] = pick<ResizeMode>(options.resize, hints.resize, 'crop');
  const [channelOrder, channelSource] = pick<ChannelOrder>(options.channels, hints.channels, 'rgb');
  const preprocess: Preprocess = {
    width,
    height,
    channels: inp.channels,
    layout: options.layout ?? inp.layout,
    resize,
    mean,
    std,
  };
  if (channelOrder === 'bgr' && inp.channels === 3) preprocess.channelOrder = 'bgr';
  const sources: PreprocessSources = {
    size: sizeSource,
    resize: resizeSource,
    channelOrder: inp.channels === 3 ? channelSource : 'model',
    mean: meanSource,
    std: stdSource,
    layout: options.layout ? 'option' : 'model',
  };
  if (options.preset !== undefined && !options.mean && !options.std) sources.preset = options.preset;
  if (resize === 'pad') {
    const [padValue, padValueSource] = pick<number | undefined>(options.padValue, hints.padValue, undefined);
    const [padAlign, padAlignSource] = pick<PadAlign>(options.padAlign, hints.padAlign, 'center');
    if (padValue !== undefined) preprocess.padValue = padValue;
    preprocess.padAlign = padAlign;
    sources.padValue = padValueSource;
    sources.padAlign = padAlignSource;
  } else if (options.padValue !== undefined || options.padAlign !== undefined) {
    throw paramError(options.padValue !== undefined ? 'pad value' : 'pad align', `resize "pad" (the padding of keep-aspect resizing)`, `resize ${JSON.stringify(resize)}`, 'Add --resize pad');
  }
  return { preprocess: validatePreprocess(preprocess), sources };
}
