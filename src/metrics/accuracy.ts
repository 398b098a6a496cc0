/**
 * Top-1 accuracy of a classifier's outputs: the sanity check that tells a user whether the images
 * reach the model as it expects (preprocessing) and whether the class order is right.
 *
 * An output row has one score per class (logits or probabilities: the arg-max is the same); the
 * prediction is the index of its largest score (the first one on ties), mapped to a data-set
 * label through the class order of the model's outputs.
 */

import type { Matrix } from '../math/matrix.js';

/** Accuracy of one split. */
export interface SplitAccuracy {
  /** Share of images whose top-1 prediction is their label, in [0, 1]. */
  accuracy: number;
  correct: number;
  total: number;
  /** Per class (data-set class names): accuracy over that class's images, null when it has none. */
  perClass: Record<string, number | null>;
}

/** Where the class order of the model's outputs came from. */
export type ClassOrderSource = 'labels-file' | 'metadata' | 'sorted-folders';

/** Accuracy of the audited images, as the report carries it. */
export interface AccuracyReport {
  /** The layer whose arg-max is the prediction (`logits`). */
  layer: string;
  /** Its tensor. */
  tensor: string;
  /** Output index -> class name. */
  classOrder: string[];
  classOrderSource: ClassOrderSource;
  /** Human-readable provenance of the class order, including any assumption made. */
  classOrderNote: string;
  query: SplitAccuracy;
  /** Absent when query and reference are the same images (leave-one-out). */
  reference?: SplitAccuracy;
}

/**
 * Maps each output index to a data-set label: `classOrder[i]` is the class name of output `i`;
 * names not among `classes` map to -1 (a prediction that is never right).
 */
export function outputToLabel(classOrder: string[], classes: string[]): Int32Array {
  const index = new Map(classes.map((c, i) => [c, i]));
  return Int32Array.from(classOrder, (name) => index.get(name) ?? -1);
}

/**
 * Top-1 accuracy of `outputs` (one row per image, one column per output) against `labels`
 * (indices into `classes`), with `outputLabel` from {@link outputToLabel}.
 */
export function topOneAccuracy(outputs: Matrix, labels: Int32Array, outputLabel: Int32Array, classes: string[]): SplitAccuracy {
  const { rows, cols, data } = outputs;
  if (labels.length !== rows) throw new RangeError(`topOneAccuracy: ${rows} output rows but ${labels.length} labels`);
  if (outputLabel.length !== cols) throw new RangeError(`topOneAccuracy: ${cols} outputs but a class order of ${outputLabel.length}`);
  const hits = new Float64Array(classes.length);
  const counts = new Float64Array(classes.length);
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let bestValue = data[r * cols];
    for (let c = 1; c < cols; c++) {
      const v = data[r * cols + c];
      if (v > bestValue) {
        bestValue = v;
        best = c;
      }
    }
    const label = labels[r];
    counts[label]++;
    if (outputLabel[best] === label) {
      hits[label]++;
      correct++;
    }
  }
  const perClass: Record<string, number | null> = {};
  classes.forEach((name, c) => {
    perClass[name] = counts[c] > 0 ? hits[c] / counts[c] : null;
  });
  return { accuracy: rows > 0 ? correct / rows : 0, correct, total: rows, perClass };
}

/** Accuracy below which a classifier is "near chance": 1.5 / number of classes. */
export function nearChanceAccuracy(numClasses: number): number {
  return 1.5 / numClasses;
}

/**
 * Purity at or above which a layer's neighbourhoods are "well above chance": twice the chance
 * level 1 / number of classes, capped at halfway between chance and 1 (0.75 for two classes).
 */
export function wellAboveChancePurity(numClasses: number): number {
  return Math.min(2 / numClasses, (1 + 1 / numClasses) / 2);
}

/**
 * The warning to give when accuracy is near chance while a layer's purity is well above it: the
 * features carry the classes, so the class order or the preprocessing probably does not match the
 * model. Undefined when there is nothing to warn about.
 */
export function accuracyWarning(acc: AccuracyReport, numClasses: number, layer: { name: string; purity: number } | undefined): string | undefined {
  const limit = nearChanceAccuracy(numClasses);
  if (!layer || acc.query.accuracy >= limit || layer.purity < wellAboveChancePurity(numClasses)) return undefined;
  return (
    `Top-1 accuracy is ${acc.query.accuracy.toFixed(3)} on the query images, near chance (below 1.5/${numClasses} = ${limit.toFixed(3)}), ` +
    `while ${layer.name} has purity ${layer.purity.toFixed(3)}: the class order (${acc.classOrderNote}) or the preprocessing probably does not match the model. ` +
    `Pass --labels <file> with the class names in output order, and check the preprocessing printed above.`
  );
}
