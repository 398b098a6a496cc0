/**
 * Turns a layer's features into its JSON-safe k-NN summary. Pure: no I/O.
 */

import { AuditError } from '../errors.js';
import type { KnnResult } from '../math/knn.js';
import { type Matrix, findNonFinite } from '../math/matrix.js';
import { knnPurity } from '../metrics/purity.js';
import type { KnnSummary } from '../result/report.js';

/** Inputs of {@link summarizeKnn}. */
export interface KnnInputs {
  layer: string;
  query: Matrix;
  reference: Matrix;
  queryLabels: Int32Array;
  referenceLabels: Int32Array;
  queryPaths: string[];
  classes: string[];
  leaveOneOut: boolean;
  /** Name of each reference image, for the NaN error message. */
  referencePaths: string[];
}

/** Checks features for NaN/Inf and names the layer and image when found. */
export function assertFinite(layer: string, m: Matrix, paths: string[]): void {
  const bad = findNonFinite(m);
  if (bad) {
    throw new AuditError(
      `Layer ${JSON.stringify(layer)} produced ${bad.value} at feature ${bad.col} for image ${paths[bad.row] ?? `#${bad.row}`}. Check the model and the preprocessing (mean/std); NaN or Inf activations cannot be compared.`,
      'E_NONFINITE',
    );
  }
}

/** The JSON-safe summary (purity, confusion, per-image neighbours) of a finished k-NN search. */
export function summarizeKnn(inp: KnnInputs, knn: KnnResult): KnnSummary {
  const nc = inp.classes.length;
  const purity = knnPurity(knn, inp.queryLabels, inp.referenceLabels, nc);
  const perClass: Record<string, number | null> = {};
  inp.classes.forEach((c, i) => {
    perClass[c] = Number.isNaN(purity.perClass[i]) ? null : purity.perClass[i];
  });
  const confusion: number[][] = [];
  for (let a = 0; a < nc; a++) confusion.push(Array.from(purity.confusion.subarray(a * nc, (a + 1) * nc)));
  const k = knn.k;
  const images = Array.from({ length: knn.queries }, (_, i) => {
    const neighbors = Array.from(knn.indices.subarray(i * k, (i + 1) * k));
    return {
      query: i,
      path: inp.queryPaths[i],
      label: inp.classes[inp.queryLabels[i]],
      purity: purity.perQuery[i],
      neighbors,
      neighborLabels: neighbors.map((j) => inp.classes[inp.referenceLabels[j]]),
      distances: Array.from(knn.distances.subarray(i * k, (i + 1) * k), (d) => Math.round(d * 1e6) / 1e6),
      majority: inp.classes[purity.majority[i]] ?? '',
      majorityCount: purity.majorityCount[i],
    };
  });
  return {
    k,
    metric: knn.metric,
    purity: { micro: purity.micro, macro: purity.macro, perClass },
    confusion,
    images,
  };
}
