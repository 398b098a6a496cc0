import { describe, expect, it } from 'vitest';
import { type LabelIssueSource, type LabelIssuesCacheInputs, type LabelIssuesField, analyzeLabelIssues, labelIssueSource, labelIssuesCacheParams, labelIssuesCsv, softmaxRows, summarizeLabelIssues } from '../../src/audit/label-issues.js';
import { jsGemm } from '../../src/math/gemm.js';
import { knnSearch } from '../../src/math/knn.js';
import { matrixFromRows } from '../../src/math/matrix.js';

/** 1-D points: class a at 0..4, class b at 10..14; `b-wrong` (labelled a) sits at 12.5. */
function dataset(rows = 11) {
  const xs = [0, 1, 2, 3, 4, 10, 11, 12, 13, 14, 12.5].slice(0, rows);
  const labels = Int32Array.from([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0].slice(0, rows));
  const paths = ['a/0.png', 'a/1.png', 'a/2.png', 'a/3.png', 'a/4.png', 'b/0.png', 'b/1.png', 'b/2.png', 'b/3.png', 'b/4.png', 'a/b,"wrong".png'].slice(0, rows);
  return { m: matrixFromRows(xs.map((x) => [x])), labels, paths };
}

describe('softmaxRows', () => {
  it('matches exp(x) / sum exp(x) and survives large logits', () => {
    const p = softmaxRows(matrixFromRows([[0, Math.log(3)], [1000, 1000]]));
    expect(p[0]).toBeCloseTo(0.25, 7); // log(3) is rounded to float32
    expect(p[1]).toBeCloseTo(0.75, 7);
    expect(Array.from(p.subarray(2))).toEqual([0.5, 0.5]);
  });
});

describe('summarizeLabelIssues', () => {
  it('lists the reference image that sits in the other class, with its neighbours, and writes the CSV', async () => {
    const { m, labels, paths } = dataset();
    const knn = await knnSearch(m, m, { k: 3, excludeSelf: true });
    const field = summarizeLabelIssues({ classes: ['a', 'b'], referenceLabels: labels, referencePaths: paths, reference: m, referenceKnn: knn, layer: 'x' });
    expect(field.signals).toEqual(['x neighbour labels']);
    expect(field.k).toBe(3);
    expect(field.ranked).toBe(11);
    expect(field.issues[0]).toMatchObject({ split: 'reference', index: 10, path: 'a/b,"wrong".png', label: 'a', suggested: 'b', score: 1, kind: 'label-error' });
    // Its 3 nearest: 12 (index 7) and 13 (8) at 0.5, then 11 (6) and 14 (9) at 1.5 (the lower index first).
    expect(field.issues[0].neighbors).toEqual([7, 8, 6]);
    expect(field.counts['label-error']).toBe(field.issues.filter((i) => i.kind === 'label-error').length);
    const csv = labelIssuesCsv(field).split('\n');
    expect(csv[0]).toBe('path,split,label,suggested,score,kind');
    expect(csv[1]).toBe('"a/b,""wrong"".png",reference,a,b,1.0000,label-error');
    expect(csv.at(-1)).toBe('');
    expect(csv.length).toBe(field.issues.length + 2);
  });
});

describe('analyzeLabelIssues', () => {
  // Without the mislabelled reference image for queries: in 5-image classes one label error is
  // enough to make class b look confused to a query (nothing is left out for queries).
  function source(leaveOneOut: boolean, withOutputs: boolean): LabelIssueSource {
    const { m, labels, paths } = dataset(leaveOneOut ? 11 : 10);
    // Queries: one at 1 labelled b (a label error), one at 11 labelled b.
    const q = matrixFromRows([[1], [11]]);
    const logits = (x: Float32Array) => matrixFromRows(Array.from(x, (v) => (v < 7 ? [2, 0] : [0, 2])));
    return {
      classes: ['a', 'b'],
      queryLabels: leaveOneOut ? labels : Int32Array.from([1, 1]),
      referenceLabels: labels,
      queryPaths: leaveOneOut ? paths : ['q/0.png', 'q/1.png'],
      referencePaths: paths,
      leaveOneOut,
      features: async () => ({ query: leaveOneOut ? m : q, reference: m }),
      classOutputs: async () => (withOutputs ? { layer: 'logits', query: logits(leaveOneOut ? m.data : q.data), reference: logits(m.data) } : undefined),
      knn: (a, b, o) => knnSearch(a, b, o),
    };
  }

  it('ranks the queries against the reference and uses the model outputs on them', async () => {
    const field = await analyzeLabelIssues(source(false, true), 'x', { k: 3, metric: 'euclidean' });
    // The probe replaces the neighbours' logits in the score; they still have to agree.
    expect(field.signals).toEqual(['x neighbour labels', "x neighbours' logits (agreement check only)", 'x linear probe (5-fold cross-validated)', 'query logits']);
    expect(field.ranked).toBe(12);
    const q = field.issues.filter((i) => i.split === 'query');
    expect(q.map((i) => [i.path, i.label, i.suggested, i.kind])).toEqual([['q/0.png', 'b', 'a', 'label-error']]);
    expect(q[0].neighbors).toEqual([1, 0, 2]);
    // Reference and query suspects in one list, most likely first.
    const scores = field.issues.map((i) => i.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('ranks only the reference split in a leave-one-out audit', async () => {
    const field = await analyzeLabelIssues(source(true, false), 'x', { k: 3, metric: 'euclidean' });
    expect(field.ranked).toBe(11);
    expect(field.issues.every((i) => i.split === 'reference')).toBe(true);
    expect(field.issues[0].index).toBe(10);
  });

  it('says why no probe was fitted when a class has fewer reference images than folds', async () => {
    // Class a keeps 4 images (one relabelled b).
    const labels = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]);
    const dropped = { ...source(true, false), referenceLabels: labels, queryLabels: labels };
    const field = await analyzeLabelIssues(dropped, 'x', { k: 3, metric: 'euclidean' });
    expect(field.signals).toEqual(['x neighbour labels', 'no linear probe (a class has fewer than 5 reference images)']);
  });

  it('goes through the cache hook with the inputs the field depends on, and reuses its result', async () => {
    const store = new Map<string, LabelIssuesField>();
    const seen: LabelIssuesCacheInputs[] = [];
    let computed = 0;
    const cached: LabelIssueSource['cached'] = async (inputs, compute) => {
      seen.push(inputs);
      const key = JSON.stringify([labelIssuesCacheParams(inputs), Array.from(inputs.reference.data), inputs.images]);
      if (!store.has(key)) {
        computed++;
        store.set(key, await compute());
      }
      return store.get(key)!;
    };
    const src = { ...source(false, true), cached };
    const a = await analyzeLabelIssues(src, 'x', { k: 3, metric: 'euclidean' });
    const b = await analyzeLabelIssues(src, 'x', { k: 3, metric: 'euclidean' });
    expect(b).toBe(a);
    expect(computed).toBe(1);
    expect(seen[0]).toMatchObject({ layer: 'x', k: 3, metric: 'euclidean' });
    expect(seen[0].outputs?.layer).toBe('logits');
    expect(seen[0].query?.rows).toBe(2);
    // Another k, or renamed images, are other results.
    await analyzeLabelIssues(src, 'x', { k: 2, metric: 'euclidean' });
    await analyzeLabelIssues({ ...src, queryPaths: ['q/0-renamed.png', 'q/1.png'] }, 'x', { k: 3, metric: 'euclidean' });
    expect(computed).toBe(3);
  });
});

describe('labelIssueSource', () => {
  const classes = ['a', 'b', 'c'];
  const logits = matrixFromRows([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const source = (order: string[] | undefined, required = false) =>
    labelIssueSource(
      { classes, resolve: () => undefined, features: async () => ({ query: logits, reference: logits }), ...(order ? { outputClassOrder: () => order } : {}) },
      Int32Array.of(0, 1),
      Int32Array.of(0, 1),
      { query: [{ relPath: 'q0' }, { relPath: 'q1' }], reference: [{ relPath: 'r0' }, { relPath: 'r1' }], leaveOneOut: false },
      async () => jsGemm,
      'logits',
      required,
    );

  it("puts the model's output columns in the data set's class order (--labels, metadata), as the accuracy does", async () => {
    // Outputs in the order c, a, b: column 0 is class c, so it moves to position 2.
    const out = await source(['c', 'a', 'b']).classOutputs();
    expect(Array.from(out!.reference.data)).toEqual([2, 3, 1, 5, 6, 4]);
    expect(Array.from(out!.query.data)).toEqual([2, 3, 1, 5, 6, 4]);
    // The data set's own order (or none given) leaves the outputs as they are.
    expect((await source(['a', 'b', 'c']).classOutputs())!.reference).toBe(logits);
    expect((await source(undefined).classOutputs())!.reference).toBe(logits);
  });

  it('refuses an output order that does not name each class once (an error only when outputs were asked for)', async () => {
    expect(await source(['a', 'b', 'x']).classOutputs()).toBeUndefined();
    await expect(source(['a', 'a', 'c'], true).classOutputs()).rejects.toThrow(
      'Expected a layer with one value per class (3) for outputs but "logits" has outputs in the class order ["a","a","c"], which does not name each class of the data set (a, b, c) once.',
    );
  });
});
