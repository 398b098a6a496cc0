/**
 * What the preprocessing was and where each value came from: printed by every audit and shown in
 * the report, so that a user can see when the numbers were measured on wrongly prepared images.
 */

/** Where a preprocessing value came from. */
export type PreprocessSource = 'option' | 'metadata' | 'model' | 'default';

/** The source of each preprocessing value (`model`: the model's input shape). */
export interface PreprocessSources {
  size: PreprocessSource;
  resize: PreprocessSource;
  channelOrder: PreprocessSource;
  mean: PreprocessSource;
  std: PreprocessSource;
  layout: PreprocessSource;
  /** Only with `resize: 'pad'`. */
  padValue?: PreprocessSource;
  padAlign?: PreprocessSource;
  /** The preset named by the option, when mean and std came from one. */
  preset?: string;
}

/** The preprocessing fields this summary reads (see `Preprocess`). */
export interface PreprocessView {
  width: number;
  height: number;
  channels: 1 | 3;
  layout: string;
  resize: string;
  mean: number[];
  std: number[];
  channelOrder?: 'rgb' | 'bgr';
  padValue?: number;
  padAlign?: 'start' | 'center';
}

const fmtList = (v: number[]) => v.map((x) => String(Number(x.toPrecision(6)))).join(',');

/**
 * One line per value: `size 32x64 (height x width; model input)`, ... with the source of each,
 * e.g. for a letterboxed BGR model in [-1, 1].
 */
export function describePreprocess(p: PreprocessView, sources: PreprocessSources): string[] {
  const src = (s: PreprocessSource | undefined, preset?: boolean) => {
    if (preset && sources.preset && s === 'option') return `--preset ${sources.preset}`;
    return { option: 'option', metadata: 'model metadata', model: 'model input', default: 'default' }[s ?? 'default'];
  };
  const lines = [
    `size ${p.height}x${p.width} (height x width; ${src(sources.size)})`,
    `resize ${p.resize} (${src(sources.resize)})`,
  ];
  if (p.resize === 'pad') {
    const pad = p.padValue === undefined ? 'the normalised 0' : `${p.padValue} (pixel value)`;
    lines.push(`pad value ${pad} (${src(sources.padValue)}), aligned ${p.padAlign ?? 'center'} (${src(sources.padAlign)})`);
  }
  lines.push(
    `channels ${p.channels === 1 ? 'grey (luma)' : (p.channelOrder ?? 'rgb').toUpperCase()} (${src(sources.channelOrder)})`,
    'scale x / 255 to [0, 1]',
    `mean ${fmtList(p.mean)} (${src(sources.mean, true)})`,
    `std ${fmtList(p.std)} (${src(sources.std, true)})`,
    `layout ${p.layout} (${src(sources.layout)})`,
  );
  return lines;
}

/**
 * The warning when neither an option nor the model's metadata gave the normalisation (mean and
 * std are the defaults 0 and 1): most models expect normalised input, and the numbers measured on
 * unnormalised images can be far off.
 */
export function normalisationWarning(sources: PreprocessSources): string | undefined {
  if (sources.mean !== 'default' || sources.std !== 'default') return undefined;
  return (
    'No normalisation was given: neither --mean/--std/--preset nor the model metadata semantic_audit.preprocess set it, so images are only scaled to [0, 1] (mean 0, std 1). ' +
    'If the model was trained on normalised input (ImageNet: --preset imagenet; [-1, 1]: --preset inception), pass it, or record it in the model (metadata semantic_audit.preprocess, e.g. {"mean":[0.5,0.5,0.5],"std":[0.5,0.5,0.5]}).'
  );
}
