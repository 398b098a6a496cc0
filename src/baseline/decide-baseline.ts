/**
 * What a baseline matcher should do, decided without side effects (as jest-image-snapshot
 * decides before it writes): from the stored entry, the measured one and Vitest's update mode to
 * a {@link BaselineDecision} that the matcher then carries out (write the file, print a notice,
 * pass or fail). Pure: no file system, no console, no Vitest.
 *
 * | stored | mode | decision |
 * | --- | --- | --- |
 * | none | `none` (CI) | `missing`: fail, write nothing |
 * | none | `new`, `all` | `written` |
 * | present | `all` (-u) | `updated` when the entry differs, else `unchanged` |
 * | present | `new`, `none` | `dataChanged` (other probe set, unless allowed), `mismatch` (other k, distance metric, or a gated metric the baseline lacks), else `compared` |
 */

import type { BaselineEntry } from './baseline-file.js';
import { sameEntry } from './baseline-file.js';
import { type CompareOptions, compareSnapshots } from './compare.js';
import type { Comparison } from './comparison-types.js';
import { entrySide } from './baseline-entry.js';
import { PER_CLASS, expandGate } from './gate.js';

/** The update mode of Vitest's snapshot state: `all` (-u), `new` (local default), `none` (CI). */
export type UpdateMode = 'all' | 'new' | 'none';

/** What to do with one baseline entry. */
export type BaselineDecision =
  | { status: 'written'; write: BaselineEntry }
  | { status: 'missing' }
  | { status: 'updated'; write: BaselineEntry; previous: BaselineEntry }
  | { status: 'unchanged' }
  | { status: 'dataChanged' }
  | { status: 'mismatch'; reason: 'settings' }
  | { status: 'mismatch'; reason: 'metrics'; missing: string[] }
  | { status: 'compared'; comparison: Comparison; dataChanged: boolean };

/** Inputs of {@link decideBaseline} besides the two entries and the mode. */
export interface DecideOptions extends CompareOptions {
  /** Compare across a changed probe set. @default false */
  allowDataChange?: boolean;
  /** Whether `gate` (or `metrics`) was given: a gated metric missing from the baseline then fails. */
  explicitGate?: boolean;
  /** Names the stored side in the comparison (`file (test / key)`). */
  where?: string;
  /** `createdAt` of the current audit. */
  createdAt?: string;
}

/**
 * Decides what a baseline matcher does with `measured` given the `stored` entry (undefined when
 * none) and the update `mode`.
 */
export function decideBaseline(stored: BaselineEntry | undefined, measured: BaselineEntry, mode: UpdateMode, options: DecideOptions = {}): BaselineDecision {
  if (!stored) return mode === 'none' ? { status: 'missing' } : { status: 'written', write: measured };
  if (mode === 'all') return sameEntry(stored, measured) ? { status: 'unchanged' } : { status: 'updated', write: measured, previous: stored };
  const dataChanged = stored.data.fingerprint !== measured.data.fingerprint;
  if (dataChanged && !options.allowDataChange) return { status: 'dataChanged' };
  if (stored.k !== measured.k || stored.metric !== measured.metric) return { status: 'mismatch', reason: 'settings' };
  const { allowDataChange: _a, explicitGate, where, createdAt, ...compareOptions } = options;
  if (explicitGate) {
    const gate = compareOptions.gate ?? compareOptions.metrics ?? [];
    const missing = expandGate(gate).filter((id) => id !== PER_CLASS && stored.metrics[id] === undefined);
    if (missing.length > 0) return { status: 'mismatch', reason: 'metrics', missing };
  }
  const comparison = compareSnapshots(
    [{ label: measured.layer, before: stored, after: measured }],
    {
      before: entrySide(stored, where),
      after: { ...entrySide(measured), ...(createdAt ? { createdAt } : {}) },
    },
    compareOptions,
  );
  return { status: 'compared', comparison, dataChanged };
}
