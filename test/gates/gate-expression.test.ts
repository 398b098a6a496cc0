import { describe, expect, it } from 'vitest';
import { evaluateGates } from '../../src/gates/evaluate-gates.js';
import { gatePasses, parseGate, parseGates } from '../../src/gates/gate-expression.js';
import { fakeReport } from '../baseline/fake-report.js';

const GRAMMAR =
  'A gate reads <layer>.<metric> <op> <number>, e.g. "pool5.purity.macro >= 0.8"; metrics: purity.micro, purity.macro, silhouette, daviesBouldin, calinskiHarabasz, knnPurity.micro, knnPurity.macro, embedding.silhouette, embedding.daviesBouldin, embedding.calinskiHarabasz, embedding.trustworthiness, embedding.knnPurity.micro, embedding.knnPurity.macro, purity.class.<name> or purity.class.*; op: >=, >, <=, <.';

describe('parseGate: valid expressions', () => {
  it.each([
    ['pool5.purity.macro >= 0.8', 'pool5', 'purity.macro', '>=', 0.8],
    ['pool5.purity.micro>=0.8', 'pool5', 'purity.micro', '>=', 0.8],
    ['  pool5.silhouette > .3 ', 'pool5', 'silhouette', '>', 0.3],
    ['pool5.daviesBouldin <= 1.5', 'pool5', 'daviesBouldin', '<=', 1.5],
    ['pool5.calinskiHarabasz > 1e2', 'pool5', 'calinskiHarabasz', '>', 100],
    ['pool5.purity.class.* >= 0.6', 'pool5', 'purity.class.*', '>=', 0.6],
    ['pool5.purity.class.coat >= 0.6', 'pool5', 'purity.class.coat', '>=', 0.6],
    ['pool5.purity.class.t.shirt >= 0.6', 'pool5', 'purity.class.t.shirt', '>=', 0.6],
    ['pool5.purity.class."a < b" >= 0.6', 'pool5', 'purity.class.a < b', '>=', 0.6],
    ['layer1/layer1.0.purity.micro >= 0.5', 'layer1/layer1.0', 'purity.micro', '>=', 0.5],
    ['/pool5/GlobalAveragePool_output_0.purity.micro >= 0.5', '/pool5/GlobalAveragePool_output_0', 'purity.micro', '>=', 0.5],
    ['"odd.purity.micro".purity.micro >= 0.5', 'odd.purity.micro', 'purity.micro', '>=', 0.5],
    ['pool5.embedding.trustworthiness >= 0.9', 'pool5', 'embedding.trustworthiness', '>=', 0.9],
    ['pool5.knnPurity.macro < 1', 'pool5', 'knnPurity.macro', '<', 1],
    ['data.purity.micro < 0.99', 'data', 'purity.micro', '<', 0.99],
    ['pool5.silhouette >= -0.2', 'pool5', 'silhouette', '>=', -0.2],
  ])('%s', (expr, layer, metric, comparator, threshold) => {
    expect(parseGate(expr)).toEqual({ source: expr.trim(), layer, metric, comparator, threshold });
  });
});

describe('parseGate: invalid expressions name the problem and the grammar', () => {
  it.each([
    ['', 'it is empty'],
    ['pool5.purity.micro', 'no comparison operator'],
    ['pool5.purity.micro >= ', 'the threshold "" is not a number'],
    ['pool5.purity.micro >= high', 'the threshold "high" is not a number'],
    ['pool5.purity.micro >= 0.8 0.9', 'the threshold "0.8 0.9" is not a number'],
    ['pool5.purity.micro => 0.8', '"=>" is not an operator (did you mean >=?)'],
    ['pool5.purity.micro =< 0.8', '"=<" is not an operator (did you mean <=?)'],
    ['pool5.purity.micro == 0.8', 'no comparison operator'],
    ['pool5 >= 0.8', 'no metric after the layer name'],
    ['>= 0.8', 'no layer and metric before the operator'],
    ['pool5.silhoutte >= 0.3', 'unknown metric "silhoutte" (did you mean silhouette?)'],
    ['pool5.purity >= 0.3', 'unknown metric "purity" (did you mean purity.micro?)'],
    ['pool5.accuracy_top5 >= 0.3', 'unknown metric "accuracy_top5"'],
    ['.purity.micro >= 0.3', 'the layer name is empty'],
    ['pool5.purity.micro >= 80', 'purity.micro is in [0, 1], so the threshold 80 can never be met or always is'],
    ['pool5.silhouette >= 2', 'silhouette is in [-1, 1], so the threshold 2 can never be met or always is'],
    ['"pool5.purity.micro >= 0.5', 'a quote is not closed'],
  ])('%j', (expr, why) => {
    expect(() => parseGate(expr)).toThrow(`Invalid gate ${JSON.stringify(expr.trim())}: ${why}. ${GRAMMAR}`);
  });

  it('repeated gates are refused', () => {
    expect(() => parseGates(['pool5.purity.micro >= 0.8', 'pool5.purity.micro >= 0.7'])).toThrow(
      'Invalid gate "pool5.purity.micro >= 0.7": it repeats "pool5.purity.micro >= 0.8" with another threshold; keep one.',
    );
    expect(parseGates(['pool5.purity.micro >= 0.8', 'pool5.purity.micro <= 0.95'])).toHaveLength(2);
  });
});

describe('gatePasses', () => {
  it.each([
    [0.8, '>=', 0.8, true],
    [0.8, '>', 0.8, false],
    [0.8, '<=', 0.8, true],
    [0.8, '<', 0.8, false],
    [Number.NaN, '>=', 0, false],
    [Number.NaN, '<=', 1, false],
  ] as const)('%s %s %s', (v, op, t, expected) => {
    expect(gatePasses(v, op, t)).toBe(expected);
  });
});

describe('evaluateGates on a report', () => {
  const report = fakeReport({
    classes: ['cat', 'dog', 'owl'],
    layers: [
      {
        name: 'pool5',
        images: [
          ['test/cat/1.png', 'cat', ['cat', 'cat', 'dog', 'cat']],
          ['test/cat/2.png', 'cat', ['cat', 'cat', 'cat', 'cat']],
          ['test/dog/1.png', 'dog', ['cat', 'dog', 'cat', 'cat']],
        ],
        separation: { features: { rows: 3, silhouette: 0.41, daviesBouldin: 0.9, knnPurity: { k: 2, micro: 0.5, macro: 0.5, queries: 3, sampled: false } } },
      },
    ],
  });

  it('one check per gate, one per class for purity.class.*, classes without queries left out', () => {
    const checks = evaluateGates(report, parseGates(['pool5.purity.micro >= 0.6', 'pool5.silhouette >= 0.5', 'pool5.purity.class.* >= 0.5', 'pool5.daviesBouldin <= 1']), 'cli');
    // purity: cat (3/4 + 1) / 2 = 0.875, dog 1/4; micro (0.75 + 1 + 0.25) / 3
    expect(checks.map((c) => [c.name, c.value, c.passed])).toEqual([
      ['pool5 purity.micro >= 0.6', 2 / 3, true],
      ['pool5 silhouette >= 0.5', 0.41, false],
      ['pool5 purity.class.cat >= 0.5', 0.875, true],
      ['pool5 purity.class.dog >= 0.5', 0.25, false],
      ['pool5 daviesBouldin <= 1', 0.9, true],
    ]);
    expect(checks[0]).toMatchObject({ layer: 'pool5', metric: 'purity.micro', comparator: '>=', threshold: 0.6, source: 'cli' });
  });

  it('names what is missing', () => {
    expect(() => evaluateGates(report, parseGates(['conv1.purity.micro >= 0.5']))).toThrow(
      'The gate "conv1.purity.micro >= 0.5" names layer "conv1", which was not audited (audited: pool5). Add it to --layers (or "layers" in the config) or fix the gate.',
    );
    expect(() => evaluateGates(report, parseGates(['pool5.purity.class.cow >= 0.5']))).toThrow(
      'The gate "pool5.purity.class.cow >= 0.5" names class "cow", which is not in the data (classes: cat, dog, owl).',
    );
    expect(() => evaluateGates(report, parseGates(['pool5.embedding.silhouette >= 0.5']))).toThrow(
      'The gate "pool5.embedding.silhouette >= 0.5" cannot be evaluated: it needs the t-SNE embedding: run without --no-tsne.',
    );
  });
});
