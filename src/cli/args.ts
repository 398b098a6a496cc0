/** Parsing helpers shared by the CLI commands. */

import { paramError } from '../errors.js';

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
