import { describe, expect, test } from 'vitest';
import { focusLayer } from '../../src/format/focus-layer.js';

const layers = [
  { name: 'data', kind: 'data', order: -1 },
  { name: 'layer2', kind: 'scope', order: 10 },
  { name: 'pool5', kind: 'scope', order: 20 },
  { name: 'logits', kind: 'logits', order: 30 },
];

describe('focusLayer', () => {
  test('the layer the user names, when audited and neither input nor logits', () => {
    expect(focusLayer({ layers }, 'layer2')).toBe('layer2');
    expect(focusLayer({ layers }, 'logits')).toBe('pool5');
    expect(focusLayer({ layers }, 'missing')).toBe('pool5');
  });

  test('the gated layer: a failed check first, then the first check; never data or logits', () => {
    const checks = [
      { layer: 'data', passed: false },
      { layer: 'logits', passed: false },
      { layer: 'pool5', passed: true },
      { layer: 'layer2', passed: false },
    ];
    expect(focusLayer({ layers, checks })).toBe('layer2');
    expect(focusLayer({ layers, checks: checks.slice(0, 3) })).toBe('pool5');
  });

  test('then the penultimate layer, pool5, or the deepest remaining layer', () => {
    expect(focusLayer({ layers: [...layers, { name: 'fc1', kind: 'penultimate', order: 25 }] })).toBe('fc1');
    expect(focusLayer({ layers })).toBe('pool5');
    expect(focusLayer({ layers: [layers[0], { name: 'b', kind: 'node', order: 5 }, { name: 'c', kind: 'node', order: 9 }, layers[3]] })).toBe('c');
    expect(focusLayer({ layers: [layers[0], layers[3]] })).toBeUndefined();
  });
});
