import { describe, expect, test } from 'vitest';
import { formatFixed, formatMetric, formatSigned, plural, signOf } from '../../src/format/number.js';

describe('formatSigned', () => {
  test('a sign on every non-zero difference, none on zero, at the shown precision', () => {
    expect(formatSigned(0.0124)).toBe('+0.012');
    expect(formatSigned(-0.0376)).toBe('-0.038');
    expect(formatSigned(0)).toBe('0.000');
    // rounds to zero at 3 decimals: neither +0.000 nor -0.000
    expect(formatSigned(-0.0004)).toBe('0.000');
    expect(formatSigned(0.0004)).toBe('0.000');
    expect(formatSigned(-0.0005)).toBe('-0.001');
  });

  test('counts, typeset minus, metric precision, missing values', () => {
    expect(formatSigned(3, { digits: 0 })).toBe('+3');
    expect(formatSigned(-4, { digits: 0 })).toBe('-4');
    expect(formatSigned(0, { digits: 0 })).toBe('0');
    expect(formatSigned(-0.25, { minus: '\u2212' })).toBe('\u22120.250');
    expect(formatSigned(-123.456, { digits: 'metric' })).toBe('-123.5');
    expect(formatSigned(99.9996, { digits: 'metric' })).toBe('+100.000');
    for (const v of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(formatSigned(v)).toBe('-');
      expect(formatSigned(v, { missing: 'n/a' })).toBe('n/a');
    }
  });
});

describe('formatFixed and formatMetric', () => {
  test('decimals, no negative zero, missing', () => {
    expect(formatFixed(0.91234)).toBe('0.912');
    expect(formatFixed(-0.0001)).toBe('0.000');
    expect(formatFixed(2, 1)).toBe('2.0');
    expect(formatFixed(null)).toBe('-');
    expect(formatFixed(Number.NaN, 3, 'n/a')).toBe('n/a');
    expect(formatMetric(0.8125)).toBe('0.813');
    expect(formatMetric(1234.56)).toBe('1234.6');
    expect(formatMetric(-100)).toBe('-100.0');
    expect(formatMetric(null)).toBe('-');
  });
});

test('signOf agrees with formatSigned', () => {
  for (const v of [0.0124, -0.0376, 0, -0.0004, 0.0005, null, Number.NaN]) {
    const text = formatSigned(v);
    const dir = signOf(v);
    expect(dir).toBe(text === '-' ? 'none' : text.startsWith('+') ? 'up' : text.startsWith('-') ? 'down' : 'flat');
  }
});

test('plural', () => {
  expect(plural(1, 'image')).toBe('1 image');
  expect(plural(0, 'image')).toBe('0 images');
  expect(plural(2, 'class', 'classes')).toBe('2 classes');
});
