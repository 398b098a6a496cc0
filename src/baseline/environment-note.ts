/**
 * Whether a baseline was measured where the current run was: the execution provider, the
 * platform and architecture, the CPU and the onnxruntime version all change floating-point
 * results in the last bits (other kernels, other summation orders, other SIMD widths). When one
 * differs, a comparison says so in one line, so a reviewer reads a delta of 0.001 as numerics and
 * not as the model. Pure: reads the `environment` block of report.json (see
 * `result/report.ts` {@link ReportEnvironment}) or of a stored baseline entry.
 */

import type { ReportEnvironment } from '../result/report.js';

/** The part of {@link ReportEnvironment} that decides the numerics. */
export type NumericsEnvironment = Pick<ReportEnvironment, 'onnxruntime' | 'executionProviders' | 'platform' | 'arch' | 'cpu'>;

function isEnvironment(e: unknown): e is NumericsEnvironment {
  if (!e || typeof e !== 'object') return false;
  const o = e as Record<string, unknown>;
  return typeof o.platform === 'string' && typeof o.arch === 'string' && typeof o.onnxruntime === 'string' && typeof o.cpu === 'string' && Array.isArray(o.executionProviders);
}

/** `linux-x64, onnxruntime 1.22.0 (cpu), AMD EPYC 7763`; `(no inference)` when features were read, not computed. */
export function describeEnvironment(e: NumericsEnvironment): string {
  const eps = e.executionProviders.length > 0 ? e.executionProviders.join(', ') : 'no inference';
  return `${e.platform}-${e.arch}, onnxruntime ${e.onnxruntime} (${eps}), ${e.cpu}`;
}

/** The fields of two environments that differ (execution providers only when both ran a model). */
export function environmentDifferences(before: NumericsEnvironment, after: NumericsEnvironment): string[] {
  const out: string[] = [];
  if (before.platform !== after.platform || before.arch !== after.arch) out.push('platform');
  if (before.cpu !== after.cpu) out.push('CPU');
  if (before.onnxruntime !== after.onnxruntime) out.push('onnxruntime version');
  const eb = before.executionProviders.join(',');
  const ea = after.executionProviders.join(',');
  if (eb !== '' && ea !== '' && eb !== ea) out.push('execution provider');
  return out;
}

/**
 * One line when the baseline was recorded with another execution provider, platform, CPU or
 * onnxruntime version than the current run, e.g. `Baseline was recorded on linux-arm64,
 * onnxruntime 1.20.1 (cpu), Neoverse-N1; this run: linux-x64, onnxruntime 1.22.0 (cpu), AMD EPYC
 * 7763: small differences in the last digits are expected.`; undefined when they agree, or when
 * either side does not record its environment (baselines and reports written before it existed).
 */
export function environmentNote(before: unknown, after: unknown): string | undefined {
  if (!isEnvironment(before) || !isEnvironment(after)) return undefined;
  if (environmentDifferences(before, after).length === 0) return undefined;
  return `Baseline was recorded on ${describeEnvironment(before)}; this run: ${describeEnvironment(after)}: small differences in the last digits are expected.`;
}
