/** Parsing helpers shared by the CLI commands. */

import type { PreprocessOptions } from '../audit/model-audit.js';
import { checkChoice, paramError } from '../errors.js';

/** Parses `a,b,c` into finite numbers (for --mean, --std). */
export function parseNumberList(name: string, value: string, expectedLength?: number[]): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.some((p) => p === '') || nums.some((n) => !Number.isFinite(n)) || (expectedLength && !expectedLength.includes(nums.length))) {
    throw paramError(name, `${expectedLength ? expectedLength.join(' or ') + ' ' : ''}comma-separated numbers`, value);
  }
  return nums;
}

/** Parses an integer option. */
export function parseIntOption(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || n < min) throw paramError(name, `integer >= ${min}`, value);
  return n;
}

/** Parses a float option within [min, max]. */
export function parseFloatOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw paramError(name, `number in [${min}, ${max}]`, value);
  return n;
}

/** Parses --std: 1 or 3 numbers > 0 (pixels are divided by them). */
export function parseStd(value: string): number[] {
  const nums = parseNumberList('--std', value, [1, 3]);
  if (nums.some((n) => n <= 0)) throw paramError('--std', '1 or 3 comma-separated numbers > 0 (pixels are divided by them)', value);
  return nums;
}

/** Parses --size N or --size H,W. */
export function parseSize(value: string | undefined): number | [number, number] | undefined {
  if (value === undefined) return undefined;
  const nums = parseNumberList('--size', value, [1, 2]);
  if (nums.some((n) => !Number.isInteger(n) || n < 1)) throw paramError('--size', 'N or H,W with positive integers', value);
  return nums.length === 1 ? nums[0] : [nums[0], nums[1]];
}

/** Pads cells into an aligned text table. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * The parseArgs options shared by `audit` and `extract`: what selects the model, the images and
 * how they become model input.
 */
export const EXTRACTION_OPTIONS = {
  model: { type: 'string' },
  data: { type: 'string' },
  out: { type: 'string' },
  layers: { type: 'string' },
  'query-split': { type: 'string' },
  'reference-split': { type: 'string' },
  size: { type: 'string' },
  resize: { type: 'string' },
  mean: { type: 'string' },
  std: { type: 'string' },
  preset: { type: 'string' },
  layout: { type: 'string' },
  'batch-size': { type: 'string' },
  device: { type: 'string' },
  'cache-dir': { type: 'string' },
  'no-cache': { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The values of {@link EXTRACTION_OPTIONS} that preprocessing and caching read. */
interface ExtractionValues {
  size?: string;
  resize?: string;
  mean?: string;
  std?: string;
  preset?: string;
  layout?: string;
  'cache-dir'?: string;
  'no-cache'?: boolean;
}

/** The preprocessing that `--size`, `--resize`, `--mean`, `--std`, `--preset` and `--layout` ask for (validated). */
export function preprocessFromArgs(values: ExtractionValues): PreprocessOptions {
  return {
    size: parseSize(values.size),
    resize: values.resize === undefined ? undefined : checkChoice('--resize', values.resize, ['crop', 'stretch'] as const),
    mean: values.mean === undefined ? undefined : parseNumberList('--mean', values.mean, [1, 3]),
    std: values.std === undefined ? undefined : parseStd(values.std),
    preset: values.preset,
    layout: values.layout === undefined ? undefined : checkChoice('--layout', values.layout, ['NCHW', 'NHWC'] as const),
  };
}

/** The cache option of `--cache-dir` / `--no-cache`: a directory, `false`, or `true` (the default place). */
export function cacheFromArgs(values: ExtractionValues): string | boolean {
  return values['no-cache'] ? false : (values['cache-dir'] ?? true);
}
