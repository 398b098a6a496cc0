import { describe, expect, test } from 'vitest';
import { type AuditOutcome, GITHUB_COMMENT_LIMIT, buildComment, comparatorSymbol } from '../../src/action/markdown.js';
import { bracket, excludesZero, pairedText, reportInterval, valueWithInterval } from '../../src/action/comment-intervals.js';
import { parseReports } from '../../src/action/report-file.js';
import { compareReports } from '../../src/baseline/compare.js';
import type { AuditReport, ReportEnvironment } from '../../src/result/report.js';
import { makeReport } from './helpers/reports.js';

/** Adds bootstrap intervals (as the audit writes them) to every layer: value ± 0.05, per class ± 0.1, silhouette on pool5. */
function withIntervals(r: AuditReport): AuditReport {
  for (const l of r.layers) {
    const p = l.knn.purity;
    const iv = (v: number, w: number) => ({ lo: Math.max(0, v - w), hi: Math.min(1, v + w), sd: w / 2 });
    l.knn.intervals = {
      micro: iv(p.micro, 0.05),
      macro: iv(p.macro, 0.05),
      perClass: Object.fromEntries(Object.entries(p.perClass).map(([c, v]) => [c, v === null ? null : iv(v, 0.1)])),
      resamples: 1000,
      level: 0.95,
      seed: 0,
    };
  }
  return r;
}

const outcome = (extra: Partial<AuditOutcome>): AuditOutcome => ({ title: '', passed: true, reportDir: 'r', entries: [], failOnRegression: true, images: [], version: '0.1.0', ...extra });

describe('intervals in the comment', () => {
  test('helpers: a value with its interval, a paired interval with its verdict', () => {
    expect(valueWithInterval(0.8951, { lo: 0.8587, hi: 0.9254 })).toBe('0.895 [0.859, 0.925]');
    expect(valueWithInterval(0.895, undefined)).toBe('0.895');
    expect(valueWithInterval(null, { lo: 0, hi: 1 })).toBe('n/a');
    expect(bracket({ lo: 120.04, hi: 150.96 })).toBe('[120.0, 151.0]');
    expect(pairedText({ lo: -0.3391, hi: -0.2629, level: 0.95, images: 150 })).toBe('[-0.339, -0.263] sig.');
    expect(pairedText({ lo: -0.012, hi: 0.004, level: 0.95, images: 150 })).toBe('[-0.012, +0.004] n.s.');
    expect(pairedText({ lo: 0.001, hi: 0.02, level: 0.95, images: 150 })).toBe('[+0.001, +0.020] sig.');
    expect([excludesZero({ lo: -1, hi: 0 }), excludesZero({ lo: 0, hi: 1 }), excludesZero({ lo: 0.001, hi: 1 })]).toEqual([false, false, true]);
  });

  test('reportInterval reads purity, per-class, silhouette and separation-purity intervals; none for other metrics or old reports', () => {
    const r = withIntervals(makeReport({ layers: { pool5: { sameClass: () => 4 } } }));
    const purityIv = { micro: { lo: 0.8, hi: 0.9, sd: 0.02 }, macro: { lo: 0.79, hi: 0.91, sd: 0.03 }, perClass: [], resamples: 1000, level: 0.95, seed: 0 };
    r.layers[0].separation = {
      features: { silhouette: 0.31, daviesBouldin: 1.2, silhouetteInterval: { lo: 0.28, hi: 0.34, sd: 0.015, resamples: 1000, level: 0.95, seed: 0 }, knnPurityInterval: purityIv },
      embedding: { silhouette: 0.5, silhouetteInterval: { lo: 0.45, hi: 0.55, sd: 0.02, resamples: 1000, level: 0.95, seed: 0 } },
    } as unknown as AuditReport['layers'][0]['separation'];
    const iv = r.layers[0].knn.intervals!;
    expect(reportInterval(r, 'pool5', 'purity.micro')).toEqual({ lo: iv.micro.lo, hi: iv.micro.hi });
    expect(reportInterval(r, '/pool5/output_0', 'purity.macro')).toEqual({ lo: iv.macro.lo, hi: iv.macro.hi });
    expect(reportInterval(r, 'pool5', 'purity.class.coat')).toEqual({ lo: iv.perClass.coat!.lo, hi: iv.perClass.coat!.hi });
    expect(iv.perClass.coat!.lo).toBeCloseTo(0.7, 12);
    expect(reportInterval(r, 'pool5', 'silhouette')).toEqual({ lo: 0.28, hi: 0.34 });
    expect(reportInterval(r, 'pool5', 'knnPurity.micro')).toEqual({ lo: 0.8, hi: 0.9 });
    expect(reportInterval(r, 'pool5', 'knnPurity.macro')).toEqual({ lo: 0.79, hi: 0.91 });
    expect(reportInterval(r, 'pool5', 'embedding.silhouette')).toEqual({ lo: 0.45, hi: 0.55 });
    expect(reportInterval(r, 'pool5', 'embedding.knnPurity.micro')).toBeUndefined();
    expect(reportInterval(r, 'pool5', 'daviesBouldin')).toBeUndefined();
    expect(reportInterval(r, 'nope', 'purity.micro')).toBeUndefined();
    expect(reportInterval(makeReport({ layers: { pool5: { sameClass: () => 4 } } }), 'pool5', 'purity.micro')).toBeUndefined();
  });

  test('every purity with its interval; every delta with its paired interval and whether it is significant; a legend', () => {
    const base = withIntervals(makeReport({ layers: { data: { sameClass: () => 1 }, pool5: { sameClass: () => 5 } }, classes: ['coat', 'shirt **x** @y'] }));
    // pool5: shirts drop from 5 to 1 same-class neighbours (significant); data: two images gain one (within noise)
    const now = withIntervals(makeReport({ layers: { data: { sameClass: (i) => (i === 0 ? 2 : 1) }, pool5: { sameClass: (_i, l) => (l === 'coat' ? 5 : 1), minPurity: 0.5 } }, classes: ['coat', 'shirt **x** @y'], modelSha256: 'b' }));
    const c = compareReports(base, now);
    const ivOf = (layer: string, metric: string) => c.rows.find((r) => r.layer === layer && r.metric === metric)!.interval!;
    const p = ivOf('pool5', 'purity.micro');
    expect(excludesZero(p)).toBe(true);
    expect(excludesZero(ivOf('data', 'purity.micro'))).toBe(false);
    const body = buildComment(outcome({ passed: false, entries: [{ report: now, comparison: c }], baseline: { source: 'main' } }));
    const s = (v: number) => (Math.abs(v) < 0.0005 ? '0.000' : `${v > 0 ? '+' : '-'}${Math.abs(v).toFixed(3)}`);
    // the gated check: value [bootstrap interval], delta [paired interval] sig.
    expect(body).toContain(`| ✅ | pool5 purity.micro \\>= 0.5 | 0.600 [0.550, 0.650] | ≥ 0.500 | 1.000 | **-0.400** [${s(p.lo)}, ${s(p.hi)}] sig. ⚠️ |`);
    // every layer, folded: micro and macro with intervals and paired deltas, the weakest class with its interval (name escaped)
    const d = ivOf('data', 'purity.micro');
    // data: the first image of each class gains one neighbour: +0.050, beyond the tolerance but within noise
    expect(body).toContain(`| data | 5 | 0.250 [0.200, 0.300] | +0.050 [${s(d.lo)}, ${s(d.hi)}] n.s. ⬆️ |`);
    expect(body).toMatch(/\| \*\*pool5\*\* \(focus\) \| 5 \| 0\.600 \[0\.550, 0\.650\] \| \*\*-0\.400\*\* \[[-\d., ]+\] sig\. ⚠️ \| 0\.600 \[0\.550, 0\.650\] \| \*\*-0\.400\*\* \[[-\d., ]+\] sig\. ⚠️ \| shirt \\\*\\\*x\\\*\\\* \\@\u2060y 0\.200 \[0\.100, 0\.300\] \|/);
    expect(body).toContain('_[lo, hi]: seeded bootstrap 95 % interval over the query images (silhouette, knnPurity: over the reference images); Δ [lo, hi]: paired bootstrap 95 % interval of the change over the images in both runs; sig. = it excludes 0 (a real change), n.s. = within noise._');
  });

  test('no intervals anywhere (an old report, no baseline): no brackets, no legend', () => {
    const r = makeReport({ layers: { pool5: { sameClass: () => 4, minPurity: 0.5 } } });
    const body = buildComment(outcome({ entries: [{ report: r }] }));
    expect(body).toContain('| ✅ | pool5 purity.micro \\>= 0.5 | 0.800 | ≥ 0.500 |\n');
    expect(body).not.toContain('[lo, hi]');
  });

  test('200 layers with intervals and a baseline stay under GitHub\'s limit', () => {
    const layers = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`block${i}/layer.with.a.long.name.${'x'.repeat(40)}`, { sameClass: (j: number) => 1 + ((i + j) % 5), minPurity: 0.1 }]));
    const base = withIntervals(makeReport({ layers }));
    const now = withIntervals(makeReport({ layers: Object.fromEntries(Object.entries(layers).map(([k, v]) => [k, { ...v, sameClass: (j: number) => 1 + ((j * 3) % 5) }])), modelSha256: 'b' }));
    const body = buildComment(outcome({ passed: false, entries: [{ report: now, comparison: compareReports(base, now) }], baseline: { source: 'main' } }));
    expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(body).toContain('> Truncated to stay under GitHub\'s 65,536-character limit');
  });
});

describe('comparators (.not matchers and gate expressions)', () => {
  test('each of the four reads as written', () => {
    expect(['>=', '<=', '<', '>'].map((c) => comparatorSymbol(c as '>='))).toEqual(['≥', '≤', '<', '>']);
  });

  test('report.json keeps a strict comparator, and the comment shows it', () => {
    const r = makeReport({ layers: { pool5: { sameClass: () => 2 } } });
    r.checks = [
      { name: 'pool5 purity.micro < 0.5', layer: 'pool5', metric: 'purity.micro', value: 0.4, threshold: 0.5, comparator: '<', passed: true, source: 'test' },
      { name: 'pool5 silhouette > 0.3', layer: 'pool5', metric: 'silhouette', value: 0.2, threshold: 0.3, comparator: '>', passed: false, source: 'test' },
      { name: 'weird', layer: 'pool5', metric: 'purity.micro', value: 0.4, threshold: 0.5, comparator: '=~' as '<', passed: true, source: 'test' },
    ];
    const [read] = parseReports(JSON.parse(JSON.stringify(r)), 'report.json').reports;
    expect(read.checks.map((c) => c.comparator)).toEqual(['<', '>', '>=']);
    const body = buildComment(outcome({ passed: false, entries: [{ report: read }] }));
    expect(body).toContain('| ✅ | pool5 purity.micro \\< 0.5 | 0.400 | < 0.500 |');
    expect(body).toContain('| ❌ | pool5 silhouette \\> 0.3 | 0.200 | > 0.500 |'.replace('> 0.500', '> 0.300'));
  });
});

describe('a baseline from another machine', () => {
  const env = (over: Partial<ReportEnvironment>): ReportEnvironment => ({ semanticAudit: '0.1.0', onnxruntime: '1.22.0', node: 'v22.1.0', executionProviders: ['cpu'], platform: 'linux', arch: 'x64', cpu: 'AMD EPYC 7763 64-Core Processor', threads: 4, ...over });
  test('the comment says so in one line, the CPU name escaped', () => {
    const base = makeReport({ layers: { pool5: { sameClass: () => 4 } } });
    const now = makeReport({ layers: { pool5: { sameClass: () => 4 } } });
    base.environment = env({ platform: 'darwin', arch: 'arm64', cpu: 'Apple M2 *Pro*', onnxruntime: '1.20.1' });
    now.environment = env({});
    const body = buildComment(outcome({ entries: [{ report: now, comparison: compareReports(base, now) }], baseline: { source: 'main' } }));
    expect(body).toContain(
      'ℹ️ Baseline was recorded on darwin-arm64, onnxruntime 1.20.1 \\(cpu\\), Apple M2 \\*Pro\\*; this run: linux-x64, onnxruntime 1.22.0 \\(cpu\\), AMD EPYC 7763 64-Core Processor: small differences in the last digits are expected.\n',
    );
  });

  test('same machine, or a baseline without an environment: nothing', () => {
    const base = makeReport({ layers: { pool5: { sameClass: () => 4 } } });
    const now = makeReport({ layers: { pool5: { sameClass: () => 4 } } });
    now.environment = env({});
    expect(buildComment(outcome({ entries: [{ report: now, comparison: compareReports(base, now) }], baseline: { source: 'main' } }))).not.toContain('Baseline was recorded on');
    base.environment = env({ node: 'v20.0.0', threads: 64 });
    expect(buildComment(outcome({ entries: [{ report: now, comparison: compareReports(base, now) }], baseline: { source: 'main' } }))).not.toContain('Baseline was recorded on');
  });
});
