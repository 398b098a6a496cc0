import { describe, expect, it } from 'vitest';
import { knnSearch } from '../../src/math/knn.js';
import { createMatrix } from '../../src/math/matrix.js';
import { createRandom, randomNormal } from '../../src/math/random.js';
import { LABEL_ISSUE_KINDS, NOT_A_SUSPECT, type NeighborLists, centroidDistances, neighborVotes, rankLabelIssues } from '../../src/metrics/label-issues.js';

/** Neighbour lists written by hand, every distance 1 (so every weight is equal). */
function lists(rows: number[][]): NeighborLists {
  const k = rows[0].length;
  return { k, queries: rows.length, indices: Int32Array.from(rows.flat()), distances: new Float64Array(rows.length * k).fill(1) };
}

const kindOf = (code: number) => (code === NOT_A_SUSPECT ? 'none' : LABEL_ISSUE_KINDS[code]);

describe('neighborVotes', () => {
  it('weights neighbours by exp(-d / mean d) and sums each row to 1', () => {
    // One query, neighbours of class 0 at distance 1 and class 1 at distance 3: mean 2,
    // weights e^-0.5 and e^-1.5.
    const v = neighborVotes({ k: 2, queries: 1, indices: Int32Array.of(0, 1), distances: Float64Array.of(1, 3) }, [0, 1], 2);
    const a = Math.exp(-0.5);
    const b = Math.exp(-1.5);
    expect(v[0]).toBeCloseTo(a / (a + b), 12);
    expect(v[1]).toBeCloseTo(b / (a + b), 12);
  });

  it('lets neighbours vote with soft labels (the model\'s predictions for them) when given', () => {
    // Two neighbours at equal distance predicted (.8, .2) and (.4, .6): the vote is their mean.
    const v = neighborVotes(lists([[0, 1]]), [0, 1], 2, undefined, [0.8, 0.2, 0.4, 0.6]);
    expect(v[0]).toBeCloseTo(0.6, 12);
    expect(v[1]).toBeCloseTo(0.4, 12);
  });

  it('multiplies by the reliability of each neighbour, and is uniform when every weight is 0', () => {
    const nb = lists([[0, 1]]);
    expect(Array.from(neighborVotes(nb, [0, 1], 2, [1, 0]))).toEqual([1, 0]);
    expect(Array.from(neighborVotes(nb, [0, 1], 2, [0, 0]))).toEqual([0.5, 0.5]);
  });
});

describe('centroidDistances', () => {
  it('matches a brute-force computation, leaving the row itself out of its own centroid', () => {
    // 1-D points: class 0 at 0, 2, 4; class 1 at 10, 12.
    const x = Float32Array.of(0, 2, 4, 10, 12);
    const labels = [0, 0, 0, 1, 1];
    const d = centroidDistances(x, 5, 1, x, labels, 2, true);
    // Row 0: class-0 centroid without it = 3, class-1 centroid = 11.
    expect(d[0]).toBeCloseTo(3, 12);
    expect(d[1]).toBeCloseTo(11, 12);
    // Row 3: class-0 centroid = 2, class-1 centroid without it = 12.
    expect(d[6]).toBeCloseTo(8, 12);
    expect(d[7]).toBeCloseTo(2, 12);
    const q = centroidDistances(Float32Array.of(5), 1, 1, x, labels, 2, false);
    expect(Array.from(q)).toEqual([3, 6]);
  });

  it('matches the brute-force leave-one-out centroids on random 7-D rows of 3 classes', () => {
    const rnd = createRandom(11);
    const rows = 40;
    const cols = 7;
    const x = Float32Array.from({ length: rows * cols }, () => randomNormal(rnd) * 3 + 1);
    const labels = Array.from({ length: rows }, (_, i) => i % 3);
    const got = centroidDistances(x, rows, cols, x, labels, 3, true);
    for (let i = 0; i < rows; i++) {
      for (let l = 0; l < 3; l++) {
        const members = labels.map((c, j) => (c === l && j !== i ? j : -1)).filter((j) => j >= 0);
        let s = 0;
        for (let c = 0; c < cols; c++) {
          const m = members.reduce((a, j) => a + x[j * cols + c], 0) / members.length;
          s += (x[i * cols + c] - m) ** 2;
        }
        expect(got[i * 3 + l]).toBeCloseTo(Math.sqrt(s), 9);
      }
    }
  });
});

describe('rankLabelIssues on hand-checked cases', () => {
  // Images 0-2 labelled 0, 3-5 labelled 1; image 2 sits among class 1 (neighbours 3 and 4) and is
  // a neighbour of image 3.
  const labels = [0, 0, 0, 1, 1, 1];
  const layer = lists([[1, 2], [0, 2], [3, 4], [4, 2], [3, 5], [3, 4]]);

  it('one pass: votes, confident-learning thresholds, score and order', () => {
    const res = rankLabelIssues({ numClasses: 2, reference: { labels, layers: [layer] }, passes: 1 });
    // Votes: 0 (1,0), 1 (1,0), 2 (0,1), 3 (.5,.5), 4 (0,1), 5 (0,1).
    expect(Array.from(res.reference.probabilities)).toEqual([1, 0, 1, 0, 0, 1, 0.5, 0.5, 0, 1, 0, 1]);
    // t0 = mean p0 over images 0-2 = 2/3; t1 = mean p1 over images 3-5 = 5/6.
    expect(res.thresholds[0]).toBeCloseTo(2 / 3, 12);
    expect(res.thresholds[1]).toBeCloseTo(5 / 6, 12);
    // Image 2: p1 = 1 >= t1 and p0 = 0 < t0: a suspect, score (1 + 1 - 0) / 2 = 1. Image 3:
    // p0 = 0.5 < t0, not a suspect, score 0.5. Others score 0.
    expect(Array.from(res.reference.score)).toEqual([0, 0, 1, 0.5, 0, 0]);
    expect(Array.from(res.reference.suggested)).toEqual([1, 1, 1, 0, 0, 0]);
    expect(Array.from(res.reference.order)).toEqual([2, 3, 0, 1, 4, 5]);
    expect(Array.from(res.reference.kind, kindOf)).toEqual(['none', 'none', 'label-error', 'none', 'none', 'none']);
    // Class statistics of the gated layer: purity 2/3 and 5/6; class 0's vote for 1 is 1/3.
    expect(res.classPurity[0]).toBeCloseTo(2 / 3, 12);
    expect(res.pairConfusion[1]).toBeCloseTo(1 / 3, 12);
  });

  it('judges the class-level confusion of a suspect with the suspect taken out of the data set', () => {
    // With image 2, class 1's purity is 5/6 (image 3 votes (.5, .5)); without it image 3's vote
    // is renormalised to (0, 1) and class 1's purity is 1, class 0's (images 0, 1) is 1.
    const res = rankLabelIssues({ numClasses: 2, reference: { labels, layers: [layer] }, passes: 1, minClassPurity: 0.9 });
    expect(res.classPurity[1]).toBeCloseTo(5 / 6, 12);
    expect(kindOf(res.reference.kind[2])).toBe('label-error');
    const strict = rankLabelIssues({ numClasses: 2, reference: { labels, layers: [layer] }, passes: 1, minClassPurity: 1 });
    expect(kindOf(strict.reference.kind[2])).toBe('label-error');
    // A query with the same neighbours is judged against the full reference: purities 2/3 and 5/6 < 0.9.
    const q = rankLabelIssues({ numClasses: 2, reference: { labels, layers: [layer] }, query: { labels: [0], layers: [lists([[3, 4]])] }, passes: 1, minClassPurity: 0.9, maxPairConfusion: 0.5 });
    expect(kindOf(q.query!.kind[0])).toBe('model-confusion');
  });

  it('two passes: a neighbour that disagrees with its own label loses its vote', () => {
    const res = rankLabelIssues({ numClasses: 2, reference: { labels, layers: [layer] } });
    // Reliability = pass-1 own-label vote: 1, 1, 0, 0.5, 1, 1. Image 3's neighbours 4 (weight 1)
    // and 2 (weight 0) now vote (0, 1); image 2 still votes (0, 1) from 3 and 4.
    expect(res.reference.probabilities[6]).toBe(0);
    expect(res.reference.probabilities[7]).toBe(1);
    expect(res.thresholds[1]).toBe(1);
    expect(Array.from(res.reference.kind, kindOf)).toEqual(['none', 'none', 'label-error', 'none', 'none', 'none']);
  });

  it('calls a suspect model-confusion when its classes are broadly mixed in the gated layer', () => {
    // Classes 0 (images 0-3) and 1 (4-7) interleaved: images 0, 1, 4, 5 have one neighbour of
    // each class; image 2 sees only class 1, image 6 only class 0.
    const mixed = lists([[4, 1], [5, 0], [6, 7], [0, 1], [0, 5], [1, 4], [2, 3], [6, 5]]);
    const res = rankLabelIssues({ numClasses: 2, reference: { labels: [0, 0, 0, 0, 1, 1, 1, 1], layers: [mixed] }, passes: 1 });
    // t0 = (.5 + .5 + 0 + 1) / 4 = .5 = t1; images 2 and 6 are suspects; class purity .5 < .75.
    expect(res.thresholds[0]).toBeCloseTo(0.5, 12);
    expect(res.classPurity[0]).toBeCloseTo(0.5, 12);
    expect(Array.from(res.reference.kind, kindOf)).toEqual(['none', 'none', 'model-confusion', 'none', 'none', 'none', 'model-confusion', 'none']);
    // The same suspects are label errors when the class-level checks are switched off.
    const lax = rankLabelIssues({ numClasses: 2, reference: { labels: [0, 0, 0, 0, 1, 1, 1, 1], layers: [mixed] }, passes: 1, minClassPurity: 0, maxPairConfusion: 1 });
    expect(Array.from(lax.reference.kind, kindOf)).toEqual(['none', 'none', 'label-error', 'none', 'none', 'none', 'label-error', 'none']);
  });

  it('never calls a label error when a layer or the probabilities prefer another class', () => {
    const loose = { minClassPurity: 0, maxPairConfusion: 1 };
    // Out-of-sample probabilities that keep image 2 in class 0 (and agree elsewhere).
    const probabilities = [1, 0, 1, 0, 0.6, 0.4, 0, 1, 0, 1, 0, 1];
    const withProbs = rankLabelIssues({ numClasses: 2, reference: { labels, layers: [layer], probabilities }, passes: 1, probabilityWeight: 0.25, ...loose });
    // Combined p(image 2) = (1 * (0, 1) + .25 * (.6, .4)) / 1.25 = (.12, .88): still a suspect, but
    // the probabilities' argmax is its own class.
    expect(withProbs.reference.probabilities[4]).toBeCloseTo(0.12, 12);
    expect(kindOf(withProbs.reference.kind[2])).toBe('ambiguous');
    // A second layer that puts image 2 back among class 0.
    const second = lists([[1, 2], [0, 2], [0, 1], [4, 5], [3, 5], [3, 4]]);
    const twoLayers = rankLabelIssues({ numClasses: 2, reference: { labels, layers: [layer, second] }, passes: 1, layerWeights: [1, 0.1], ...loose });
    expect(kindOf(twoLayers.reference.kind[2])).toBe('ambiguous');
    expect(twoLayers.reference.suggested[2]).toBe(1);
  });

  it('neighbours\' predictions are a signal of their own: a label error only when they agree', () => {
    const loose = { minClassPurity: 0, maxPairConfusion: 1, passes: 1 };
    // Image 2's neighbours 3 and 4 are predicted class 1: the combined vote is (0, 1), a label error.
    const agreeing = [1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1];
    const a = rankLabelIssues({ numClasses: 2, reference: { labels, layers: [layer] }, referencePredictions: agreeing, ...loose });
    expect(kindOf(a.reference.kind[2])).toBe('label-error');
    // The model predicts image 3 and 4 as class 0: the label vote says 1, the predictions 0.
    const disagreeing = [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 1];
    const b = rankLabelIssues({ numClasses: 2, reference: { labels, layers: [layer] }, referencePredictions: disagreeing, predictionWeight: 0.1, ...loose });
    expect(kindOf(b.reference.kind[2])).toBe('ambiguous');
    // The image's own prediction (row 2) is never used for itself: changing it changes nothing for image 2.
    const own = [...agreeing];
    own[4] = 0;
    own[5] = 1;
    const c = rankLabelIssues({ numClasses: 2, reference: { labels, layers: [layer] }, referencePredictions: own, ...loose });
    expect(c.reference.probabilities[4]).toBe(a.reference.probabilities[4]);
    expect(c.reference.probabilities[5]).toBe(a.reference.probabilities[5]);
  });

  it('ranks queries against the reference statistics', () => {
    // Query 0 (labelled 0) has neighbours 3 and 4 (class 1); query 1 (labelled 1) neighbours 4, 5.
    // For a query nothing is left out: class 0's purity is 2/3 and its vote for class 1 is 1/3
    // (image 2), hence the looser class-level limits.
    const res = rankLabelIssues({ numClasses: 2, reference: { labels, layers: [layer] }, query: { labels: [0, 1], layers: [lists([[3, 4], [4, 5]])] }, minClassPurity: 0.6, maxPairConfusion: 0.4 });
    expect(Array.from(res.query!.kind, kindOf)).toEqual(['label-error', 'none']);
    expect(Array.from(res.query!.score)).toEqual([1, 0]);
    expect(Array.from(res.query!.order)).toEqual([0, 1]);
  });

  it('breaks score ties by the distance to the class centroids', () => {
    // Images 0 and 1 both look like class 1 (score 1); image 1 is nearer class 1's centroid.
    const tied = lists([[2, 3], [2, 3], [3, 0], [2, 1]]);
    const cd = [5, 4, 5, 1, 1, 9, 9, 1];
    const res = rankLabelIssues({ numClasses: 2, reference: { labels: [0, 0, 1, 1], layers: [tied], centroidDistances: cd }, passes: 1 });
    expect(res.reference.score[0]).toBe(res.reference.score[1]);
    expect(Array.from(res.reference.order).slice(0, 2)).toEqual([1, 0]);
  });
});

describe('rankLabelIssues on synthetic clusters', () => {
  /** Gaussian blobs in 2-D (sd 1) at the given centres, `n` points each, labels = blob index. */
  function blobs(centres: [number, number][], n: number, seed: number) {
    const rnd = createRandom(seed);
    const m = createMatrix(centres.length * n, 2);
    const labels = new Int32Array(centres.length * n);
    centres.forEach(([cx, cy], c) => {
      for (let i = 0; i < n; i++) {
        const r = c * n + i;
        m.data[2 * r] = cx + randomNormal(rnd);
        m.data[2 * r + 1] = cy + randomNormal(rnd);
        labels[r] = c;
      }
    });
    return { m, labels };
  }

  it('finds an isolated mislabelled image deep inside another class as a label error, and a far-away image as an outlier', async () => {
    const { m, labels } = blobs([[0, 0], [20, 0], [0, 20]], 40, 1);
    // Row 5 (class 0) moved to the centre of class 1 keeping its label; row 90 (class 2) moved far away.
    m.data[10] = 20;
    m.data[11] = 0.1;
    m.data[180] = 20;
    m.data[181] = 200;
    const knn = await knnSearch(m, m, { k: 10, excludeSelf: true });
    const cd = centroidDistances(m.data, m.rows, 2, m.data, labels, 3, true);
    const res = rankLabelIssues({ numClasses: 3, reference: { labels, layers: [knn], centroidDistances: cd } });
    expect(res.reference.order[0]).toBe(5);
    expect(res.reference.suggested[5]).toBe(1);
    expect(kindOf(res.reference.kind[5])).toBe('label-error');
    expect(kindOf(res.reference.kind[90])).toBe('outlier');
    const suspects = Array.from(res.reference.kind).filter((k) => k !== NOT_A_SUSPECT).length;
    expect(suspects).toBeLessThanOrEqual(4);
  });

  it('calls the suspects of two overlapping classes model-confusion', async () => {
    // Classes 0 and 1 overlap (centres 1 sd apart); class 2 is far.
    const { m, labels } = blobs([[0, 0], [1, 0], [20, 0]], 40, 2);
    const knn = await knnSearch(m, m, { k: 10, excludeSelf: true });
    const res = rankLabelIssues({ numClasses: 3, reference: { labels, layers: [knn] } });
    const kinds = Array.from(res.reference.kind).filter((k) => k !== NOT_A_SUSPECT).map(kindOf);
    expect(kinds.length).toBeGreaterThan(5);
    expect(new Set(kinds)).toEqual(new Set(['model-confusion']));
  });
});

describe('rankLabelIssues input checks', () => {
  const layer = lists([[1], [0]]);
  it('names the bad label, row and split', () => {
    expect(() => rankLabelIssues({ numClasses: 2, reference: { labels: [0, 2], layers: [layer] } })).toThrow('Expected integer in [0, 1] for the reference label of row 1 but received 2');
  });
  it('checks the neighbour lists against the labels', () => {
    expect(() => rankLabelIssues({ numClasses: 2, reference: { labels: [0, 1, 1], layers: [layer] } })).toThrow('Expected 3 rows of neighbours (one per reference image) in layer 0 but received 2');
    expect(() => rankLabelIssues({ numClasses: 2, reference: { labels: [0, 1], layers: [lists([[1], [2]])] } })).toThrow('Expected neighbour indices in [0, 1] in layer 0 of the reference split but received 2');
    expect(() => rankLabelIssues({ numClasses: 2, reference: { labels: [0, 1], layers: [] } })).toThrow('Expected at least one layer of neighbours for the reference split but received none');
  });
  it('checks probabilities, weights and numClasses', () => {
    expect(() => rankLabelIssues({ numClasses: 2, reference: { labels: [0, 1], layers: [layer], probabilities: [1, 0, 1] } })).toThrow('Expected 4 values (2 rows x 2 classes) for the reference probabilities but received 3');
    expect(() => rankLabelIssues({ numClasses: 2, reference: { labels: [0, 1], layers: [layer] }, layerWeights: [1, 1] })).toThrow('Expected 1 layer weights (one per layer) but received 2');
    expect(() => rankLabelIssues({ numClasses: 1, reference: { labels: [0, 0], layers: [layer] } })).toThrow('Expected integer >= 2 for numClasses but received 1');
    expect(() => rankLabelIssues({ numClasses: 2, reference: { labels: [0, 1], layers: [layer] }, minVote: 2 })).toThrow('Expected number in [0, 1] for minVote but received 2');
  });
});
