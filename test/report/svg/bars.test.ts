import { describe, expect, it } from 'vitest';
import { purityBarsSvg } from '../../../src/report/svg/bars.js';

describe('purityBarsSvg', () => {
  const svg = purityBarsSvg({
    classes: ['cat', 'dog', '<b>x</b>'],
    series: [
      { name: 'data', values: [0.5, 1, null], color: '#888888' },
      { name: 'pool5', values: [0.25, 0.75, 0.1], color: '#0072B2', baseline: [0.5, null, null] },
    ],
    title: 'bars',
    threshold: 0.8,
    plotWidth: 300,
  });
  const bars = [...svg.matchAll(/<rect class="bar" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);

  it('draws bar lengths proportional to purity, from the same origin', () => {
    expect(bars).toEqual([
      [130, 150],
      [130, 75],
      [130, 300],
      [130, 225],
      [130, 30],
    ]);
  });

  it('marks missing values, baselines and the threshold', () => {
    expect(svg.match(/>n\/a</g)).toHaveLength(1);
    expect(svg).toMatch(/<line class="baseline-tick" x1="280" x2="280"/);
    expect(svg).toMatch(/<line class="threshold" x1="370" x2="370"/);
    expect(svg).toContain('&lt;b&gt;x&lt;/b&gt;');
  });
});
