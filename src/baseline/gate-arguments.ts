/**
 * `--gate` values of `semantic-audit compare`, which takes both forms: the older list of metric
 * names that may not regress against the baseline (`--gate purity,silhouette`), and the gate
 * expressions of `audit` and the config file, thresholds on the current report
 * (`--gate 'pool5.purity.macro >= 0.8'`). A value holding a comparison operator (`<` or `>`) is an
 * expression; any other value is a comma-separated list of names. Both may be repeated and mixed.
 * Pure.
 */

import { AuditError } from '../errors.js';
import { type GateMetric, parseGateList } from './gate.js';
import { type Gate, parseGates } from '../gates/gate-expression.js';

/** What the `--gate` values of `compare` ask for. */
export interface GateArguments {
  /** Metric names gated against the baseline (undefined: none given, so the default). */
  names?: GateMetric[];
  /** Thresholds on the current report. */
  expressions: Gate[];
}

/** True when `value` is a gate expression rather than a list of metric names. */
export function isGateExpression(value: string): boolean {
  return /[<>]/.test(value);
}

/**
 * Splits and parses the `--gate` values of `compare`.
 *
 * @param flag names the option in messages (`--gate`, or the deprecated `--metrics`, which takes names only)
 * @throws AuditError (`E_USAGE`) for a malformed expression; `paramError` for an unknown name
 */
export function parseGateArguments(flag: string, values: readonly string[]): GateArguments {
  const names: GateMetric[] = [];
  const texts: string[] = [];
  let anyNames = false;
  for (const v of values) {
    if (flag === '--gate' && isGateExpression(v)) {
      texts.push(v);
      continue;
    }
    anyNames = true;
    for (const n of parseGateList(flag, v)) if (!names.includes(n)) names.push(n);
  }
  let expressions: Gate[];
  try {
    expressions = parseGates(texts);
  } catch (e) {
    throw new AuditError(`${flag}: ${(e as Error).message}`, 'E_USAGE');
  }
  return { ...(anyNames ? { names } : {}), expressions };
}
