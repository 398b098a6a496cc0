/**
 * Gate expressions: one threshold on one metric of one layer, written the same way on the command
 * line (`--gate`), in `semantic-audit.config.json` (`gates`) and in the Action:
 *
 * ```
 * pool5.purity.micro >= 0.8
 * pool5.purity.macro >= 0.8
 * pool5.purity.class.* >= 0.6        (every class; or purity.class.coat for one)
 * pool5.silhouette >= 0.3
 * pool5.daviesBouldin <= 1.5
 * pool5.embedding.trustworthiness >= 0.9
 * "layer1/layer1.0".purity.micro >= 0.5   (quote a layer name that holds a metric-like part)
 * ```
 *
 * The layer is everything before the metric; layer names may hold dots and slashes
 * (`layer1/layer1.0.purity.micro` parses as layer `layer1/layer1.0`). Pure: no I/O.
 */

import { AuditError } from '../errors.js';
import { editDistance } from '../model/layers.js';

/** Comparison of a gate. */
export type GateComparator = '>=' | '>' | '<=' | '<';

/** Comparators, longest first (so `>=` is found before `>`). */
export const GATE_COMPARATORS: readonly GateComparator[] = ['>=', '<=', '>', '<'];

/**
 * Scalar metric ids of a layer (see `result/layer-metrics.ts`), besides `purity.class.<name>` /
 * `purity.class.*`: the one list that gate expressions and the baseline gate names
 * (`baseline/gate.ts`) both read.
 */
export const GATE_METRICS = [
  'purity.micro',
  'purity.macro',
  'silhouette',
  'daviesBouldin',
  'calinskiHarabasz',
  'knnPurity.micro',
  'knnPurity.macro',
  'embedding.silhouette',
  'embedding.daviesBouldin',
  'embedding.calinskiHarabasz',
  'embedding.trustworthiness',
  'embedding.knnPurity.micro',
  'embedding.knnPurity.macro',
] as const;

/** A metric id a gate can name. */
export type GateMetric = (typeof GATE_METRICS)[number] | `purity.class.${string}`;

/** A parsed gate. */
export interface Gate {
  /** The expression as written (trimmed). */
  source: string;
  /** Layer name as requested in the audit (`pool5`, `penultimate`, a tensor name, ...). */
  layer: string;
  /** Metric id, e.g. `purity.macro`, `silhouette`, `purity.class.coat`, `purity.class.*`. */
  metric: GateMetric;
  comparator: GateComparator;
  threshold: number;
}

const CLASS_PREFIX = 'purity.class.';
const KNOWN = new Set<string>(GATE_METRICS);

/** Metrics that need the t-SNE embedding. */
export function needsEmbedding(metric: string): boolean {
  return metric.startsWith('embedding.');
}

/** Metrics that need the separation stage (everything but k-NN purity). */
export function needsSeparation(metric: string): boolean {
  return !metric.startsWith('purity.');
}

function isMetric(id: string): boolean {
  if (KNOWN.has(id)) return true;
  return id.startsWith(CLASS_PREFIX) && id.length > CLASS_PREFIX.length;
}

function unquote(s: string): string | undefined {
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) return s.slice(1, -1).replace(/\\"/g, '"');
  return undefined;
}

function closestMetric(tail: string): string | undefined {
  const extended = GATE_METRICS.find((m) => m.startsWith(`${tail}.`));
  if (extended) return extended;
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const m of [...GATE_METRICS, 'purity.class.*']) {
    const d = editDistance(tail, m);
    if (d < bestD) {
      bestD = d;
      best = m;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

function gateError(source: string, why: string): AuditError {
  return new AuditError(
    `Invalid gate ${JSON.stringify(source)}: ${why}. A gate reads <layer>.<metric> <op> <number>, e.g. "pool5.purity.macro >= 0.8"; metrics: ${GATE_METRICS.join(', ')}, purity.class.<name> or purity.class.*; op: >=, >, <=, <.`,
    'E_GATE',
  );
}

/**
 * Parses one gate expression.
 *
 * @throws AuditError (`E_GATE`) naming the expression, what is wrong and the grammar
 */
export function parseGate(expression: string): Gate {
  if (typeof expression !== 'string') throw gateError(String(expression), 'expected a string');
  const source = expression.trim();
  if (source === '') throw gateError(source, 'it is empty');
  let opAt = -1;
  let comparator: GateComparator | undefined;
  for (let i = 0; i < source.length && comparator === undefined; i++) {
    if (source[i] === '"') {
      const close = source.indexOf('"', i + 1);
      if (close < 0) throw gateError(source, 'a quote is not closed');
      i = close;
      continue;
    }
    for (const op of GATE_COMPARATORS) {
      if (source.startsWith(op, i)) {
        opAt = i;
        comparator = op;
        break;
      }
    }
  }
  if (comparator === undefined) throw gateError(source, 'no comparison operator');
  const left = source.slice(0, opAt).trim();
  const right = source.slice(opAt + comparator.length).trim();
  if ((comparator === '>' || comparator === '<') && left.endsWith('=')) throw gateError(source, `"=${comparator}" is not an operator (did you mean ${comparator}=?)`);
  if (right === '' || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(right)) throw gateError(source, `the threshold ${JSON.stringify(right)} is not a number`);
  const threshold = Number(right);
  if (left === '') throw gateError(source, 'no layer and metric before the operator');
  if (left.startsWith('.')) throw gateError(source, 'the layer name is empty');

  let layer: string | undefined;
  let metric: string | undefined;
  if (left.startsWith('"')) {
    const close = left.indexOf('"', 1);
    const quoted = unquote(left.slice(0, close + 1));
    if (quoted === undefined || left[close + 1] !== '.') throw gateError(source, 'a quoted layer name must be followed by .<metric>');
    layer = quoted;
    metric = left.slice(close + 2);
  } else {
    for (let i = left.indexOf('.'); i > 0; i = left.indexOf('.', i + 1)) {
      const tail = left.slice(i + 1);
      if (isMetric(tail)) {
        layer = left.slice(0, i);
        metric = tail;
        break;
      }
    }
  }
  if (layer === undefined || metric === undefined || !isMetric(metric)) {
    const dot = left.indexOf('.');
    const tail = dot > 0 ? left.slice(dot + 1) : left;
    const guess = closestMetric(tail);
    throw gateError(source, dot < 0 ? 'no metric after the layer name' : `unknown metric ${JSON.stringify(metric ?? tail)}${guess ? ` (did you mean ${guess}?)` : ''}`);
  }
  if (metric.startsWith(CLASS_PREFIX)) {
    const cls = metric.slice(CLASS_PREFIX.length);
    const q = unquote(cls);
    if (q !== undefined) metric = `${CLASS_PREFIX}${q}`;
  }
  const bounded = metric.startsWith('purity.') || metric.endsWith('knnPurity.micro') || metric.endsWith('knnPurity.macro') || metric.endsWith('trustworthiness');
  if (bounded && (threshold < 0 || threshold > 1)) throw gateError(source, `${metric} is in [0, 1], so the threshold ${threshold} can never be met or always is`);
  if (metric.endsWith('silhouette') && (threshold < -1 || threshold > 1)) throw gateError(source, `${metric} is in [-1, 1], so the threshold ${threshold} can never be met or always is`);
  return { source, layer, metric: metric as GateMetric, comparator, threshold };
}

/** Parses several gate expressions; duplicates (same layer, metric and comparator) are an error. */
export function parseGates(expressions: readonly string[]): Gate[] {
  const out: Gate[] = [];
  for (const e of expressions) {
    const g = parseGate(e);
    const dup = out.find((o) => o.layer === g.layer && o.metric === g.metric && o.comparator === g.comparator);
    if (dup) throw gateError(g.source, `it repeats ${JSON.stringify(dup.source)} with another threshold; keep one`);
    out.push(g);
  }
  return out;
}

/** Whether `value` passes `comparator threshold`. A value that is not a finite number fails. */
export function gatePasses(value: number, comparator: GateComparator, threshold: number): boolean {
  if (!Number.isFinite(value)) return false;
  switch (comparator) {
    case '>=':
      return value >= threshold;
    case '>':
      return value > threshold;
    case '<=':
      return value <= threshold;
    case '<':
      return value < threshold;
  }
}
