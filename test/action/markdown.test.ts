import { describe, expect, test } from 'vitest';
import {
  type AuditOutcome,
  GITHUB_COMMENT_LIMIT,
  buildComment,
  buildSummary,
  commentDigest,
  commentMarker,
  truncateMarkdown,
} from '../../src/action/markdown.js';
import { compareReports } from '../../src/baseline/compare.js';
import { makeReport } from './helpers/reports.js';

const WJ = '\u2060';

describe('commentMarker', () => {
  test('encodes the title so it cannot close the HTML comment or match another title', () => {
    expect(commentMarker('')).toBe('<!-- semantic-audit:comment title= -->');
    expect(commentMarker('a --> b')).toBe('<!-- semantic-audit:comment title=a%20--%3E%20b -->');
    expect(commentMarker('ResNet').includes(commentMarker('Res'))).toBe(false);
  });
});

describe('truncateMarkdown', () => {
  test('cuts at a line, closes an open <details>, and says how much was left out', () => {
    const body = ['head', '<details><summary>x</summary>', '', ...Array.from({ length: 400 }, (_, i) => `| row ${i} |`), '</details>'].join('\n');
    const out = truncateMarkdown(body, 2000, 'the artefact');
    expect(out.length).toBeLessThanOrEqual(2000);
    const kept = out.slice(0, out.indexOf('\n</details>\n\n> [!NOTE]'));
    expect(body.startsWith(kept)).toBe(true);
    expect(kept.endsWith('|')).toBe(true);
    expect(out).toContain(`\n</details>\n\n> [!NOTE]\n> Truncated to stay under GitHub's 65,536-character limit: ${(body.length - kept.length).toLocaleString('en-US')} characters left out. See the artefact.\n`);
  });

  test('never splits a backslash escape or a surrogate pair within one long line', () => {
    const line = `${'a'.repeat(400)}\\*${'😀'.repeat(200)}`;
    for (const max of [600, 601, 602, 603, 800, 801]) {
      const out = truncateMarkdown(line, max);
      expect(out.length).toBeLessThanOrEqual(max);
      const kept = out.slice(0, out.indexOf('\n\n> [!NOTE]'));
      expect(line.startsWith(kept)).toBe(true);
      expect(/\\$/.test(kept) || /[\uD800-\uDBFF]$/.test(kept)).toBe(false);
    }
  });

  test('leaves a short body alone', () => {
    expect(truncateMarkdown('abc', 3)).toBe('abc');
  });
});

function outcome(extra: Partial<AuditOutcome> = {}): AuditOutcome {
  const report = makeReport({ layers: { data: { sameClass: () => 1 }, pool5: { sameClass: (i) => 5 - (i % 2), minPurity: 0.8 } }, classes: ['coat', 'shirt **x** @y'] });
  return { title: '', passed: true, reportDir: 'semantic-audit-report', entries: [{ report }], failOnRegression: true, images: [], version: '0.1.0', ...extra };
}

describe('buildComment', () => {
  test('a passing audit without baseline: marker, digest, verdict, checks, layers, footer', () => {
    const body = buildComment(outcome({ title: 'ResNet @core', runUrl: 'https://github.com/o/r/actions/runs/1', htmlReport: 'index.html', artifact: { name: 'semantic-audit-report', url: 'https://github.com/o/r/actions/runs/1/artifacts/9' }, sha: 'abcdef0123' }));
    const lines = body.split('\n');
    expect(lines[0]).toBe('<!-- semantic-audit:comment title=ResNet%20%40core -->');
    expect(lines[1]).toMatch(/^<!-- semantic-audit:digest=[0-9a-f]{16} -->$/);
    expect(lines[2]).toBe(`### ✅ Semantic audit passed · ResNet \\@${WJ}core`);
    expect(body).toContain('focus layer **pool5** · model classifier.onnx · 8 query images in 2 classes · all 1 check passed\n');
    expect(body).toContain('|  | Gated check | Value | Threshold |\n|---|---|--:|--:|\n| ✅ | pool5 purity.micro \\>= 0.8 | 0.900 | ≥ 0.800 |\n');
    // every layer, folded into one block, the focus layer marked
    expect(body).toContain(
      '<details><summary>All layers (2 layers)</summary>\n\n| Layer | k | Micro purity | Macro purity | Weakest class |\n|---|--:|--:|--:|---|\n| data | 5 | 0.200 | 0.200 | coat 0.200 |\n| **pool5** (focus) | 5 | 0.900 | 0.900 | coat 0.900 |\n\n</details>\n',
    );
    expect(body.match(/<details>/g)).toHaveLength(1);
    expect(body).toContain('📊 [Full HTML report](https://github.com/o/r/actions/runs/1/artifacts/9) (artefact semantic-audit-report, download and open index.html)');
    expect(body.endsWith('<sub>semantic-audit 0.1.0 · commit abcdef0 · [workflow run](https://github.com/o/r/actions/runs/1)</sub>\n')).toBe(true);
    // without an HTML report in the directory, the link says what it is
    expect(buildComment(outcome({ artifact: { name: 'r', url: 'https://a/9' } }))).toContain('📊 [Full report](https://a/9) (artefact r)\n');
  });

  test('class and file names from the report are escaped in the neighbour table', () => {
    const base = makeReport({ layers: { pool5: { sameClass: () => 5 } }, classes: ['coat', 'shirt **x** @y'] });
    const now = makeReport({ layers: { pool5: { sameClass: (_i, l) => (l === 'coat' ? 5 : 2) } }, classes: ['coat', 'shirt **x** @y'] });
    const c = compareReports(base, now);
    const body = buildComment(outcome({ entries: [{ report: now, comparison: c }], baseline: { source: 'main' } }));
    expect(body).toContain(`| test/shirt \\*\\*x\\*\\* \\@${WJ}y/shirt \\*\\*x\\*\\* \\@${WJ}y-0.png | shirt \\*\\*x\\*\\* \\@${WJ}y | 5 → 2 of 5 | -3 |`);
    expect(body).not.toMatch(/[^\\]\*\*x/);
  });

  test('the digest ignores the footer (run link, artefact) and follows the content', () => {
    const a = buildComment(outcome({ runUrl: 'https://x/runs/1' }));
    const b = buildComment(outcome({ runUrl: 'https://x/runs/2', artifact: { name: 'r', url: 'https://x/a' } }));
    const c = buildComment(outcome({ passed: false }));
    expect(commentDigest(a)).toBe(commentDigest(b));
    expect(commentDigest(a)).not.toBe(commentDigest(c));
    expect(commentDigest('no digest')).toBeUndefined();
  });

  test('stays within the limit, keeping marker and footer', () => {
    const o = outcome({ runUrl: 'https://x/runs/1' });
    const r = o.entries[0].report;
    for (let i = 0; i < 3000; i++) r.checks.push({ ...r.checks[0], name: `check ${i} ${'y'.repeat(40)}` });
    const body = buildComment(o);
    expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(body.startsWith(commentMarker(''))).toBe(true);
    expect(body).toContain('> Truncated to stay under');
    expect(body.endsWith('[workflow run](https://x/runs/1)</sub>\n')).toBe(true);
    expect(buildComment(o, { maxLength: 5000 }).length).toBeLessThanOrEqual(5000);
  });

  test('a failed command without a report', () => {
    const body = buildComment(outcome({ passed: false, entries: [], command: { line: 'npx vitest run', exitCode: 1 }, problem: 'No report.json in out' }));
    expect(body).toContain('### ❌ Semantic audit failed\n\nThe command `npx vitest run` exited with code 1.\n\nNo report.json in out\n\n');
    expect(buildComment(outcome({ passed: false, command: { line: 'x', exitCode: null } }))).toContain('The command `x` was killed by a signal.');
  });
});

describe('buildSummary', () => {
  test('the summary has no marker and the layers table expanded', () => {
    const s = buildSummary(outcome());
    expect(s.startsWith('### ✅ Semantic audit passed\n')).toBe(true);
    expect(s).not.toContain('<!--');
    expect(s).not.toContain('<details>');
    expect(s).toContain('#### All layers (2 layers)\n\n| Layer | k | Micro purity | Macro purity | Weakest class |');
  });
});

describe('buildComment with plots', () => {
  test('the grid, the t-SNE pair on one line, the bars; names escaped; plot URLs out of the digest', () => {
    const imgs = (sha: string) => [
      { name: 'neighbors-pool5.png', url: `https://github.com/o/r/raw/${sha}/n.png`, alt: 'nearest neighbours (pool5)' },
      { name: 'tsne-data.png', url: `https://github.com/o/r/raw/${sha}/t1.png`, alt: 't-SNE (data)' },
      { name: 'tsne-pool5.png', url: `https://github.com/o/r/raw/${sha}/t2.png`, alt: 't-SNE [pool5]' },
      { name: 'purity-bars.png', url: `https://github.com/o/r/raw/${sha}/b.png` },
    ];
    const a = buildComment(outcome({ images: imgs('aaa') }));
    const b = buildComment(outcome({ images: imgs('bbb') }));
    expect(a).toContain(
      [
        '#### Plots',
        '',
        '![nearest neighbours \\(pool5\\)](https://github.com/o/r/raw/aaa/n.png)',
        '',
        '![t-SNE \\(data\\)](https://github.com/o/r/raw/aaa/t1.png) ![t-SNE \\[pool5\\]](https://github.com/o/r/raw/aaa/t2.png)',
        '',
        '![purity-bars.png](https://github.com/o/r/raw/aaa/b.png)',
        '',
      ].join('\n'),
    );
    // the plots come before the folded layers
    expect(a.indexOf('#### Plots')).toBeLessThan(a.indexOf('<details>'));
    expect(commentDigest(a)).toBe(commentDigest(b));
    expect(buildSummary(outcome({ images: [{ name: 'x.png', url: 'https://u/x.png' }] }))).toContain('![x.png](https://u/x.png)');
  });

  test('without plots, the one line on how to enable them', () => {
    const note = 'Plots are not shown: add `contents: write`.';
    expect(buildComment(outcome({ imagesNote: note }))).toContain(`\n📷 ${note}\n`);
    expect(buildComment(outcome({ imagesNote: note, images: [{ name: 'x.png', url: 'https://u/x.png' }] }))).not.toContain(note);
  });
});

describe('the short comment', () => {
  const base = makeReport({ layers: { data: { sameClass: () => 2 }, layer3: { sameClass: () => 3 }, pool5: { sameClass: () => 5, minPurity: 0.6 }, logits: { sameClass: () => 5 } }, modelSha256: 'base' });
  const worse = makeReport({ layers: { data: { sameClass: () => 2 }, layer3: { sameClass: (i) => 1 + (i % 2) }, pool5: { sameClass: (i, l) => (l === 'shirt' ? 1 : 5 - (i % 2)), minPurity: 0.6 }, logits: { sameClass: () => 5 } }, modelSha256: 'pr' });
  worse.layers[3].kind = 'logits';
  base.layers[3].kind = 'logits';
  const c = compareReports(base, worse);
  const body = buildComment(outcome({ passed: false, entries: [{ report: worse, comparison: c }], baseline: { source: 'main (run 5)', url: 'https://github.com/o/r/actions/runs/5' } }));

  test('verdict, gated checks, regressions, neighbour changes of the focus layer, then one folded block', () => {
    const at = (s: string) => {
      const i = body.indexOf(s);
      expect(i, s).toBeGreaterThanOrEqual(0);
      return i;
    };
    const order = [
      '### ❌ Semantic audit failed',
      'focus layer **pool5**',
      '| ✅ | pool5 purity.micro \\>= 0.6 | 0.667 | ≥ 0.600 | 1.000 | **-0.333** [-0.367, -0.283] sig. ⚠️ |',
      '**4 regressions** against the baseline [main \\(run 5\\)](https://github.com/o/r/actions/runs/5) (tolerance 0.020):',
      '#### Biggest neighbour changes in pool5',
      '<details><summary>All layers (4 layers, deltas against the baseline)</summary>',
    ].map(at);
    expect(order).toEqual([...order].sort((x, y) => x - y));
    // the neighbour table is the focus layer's only; layer3's total is in the folded block
    expect(body).toContain('- pool5: 8 images lost and 0 gained same-class neighbours (net -20 of 60)\n');
    const folded = body.slice(body.indexOf('<details>'));
    expect(folded).toContain('- layer3: 12 images lost and 0 gained same-class neighbours (net -18 of 60)');
    expect(body.slice(0, body.indexOf('<details>'))).not.toContain('layer3:');
    expect(body.match(/<details>/g)).toHaveLength(1);
    // five images, then a count
    expect(body).toContain('_3 more changed images are listed in the full report._');
  });

  test('the comment is much shorter than the summary', () => {
    const summary = buildSummary(outcome({ passed: false, entries: [{ report: worse, comparison: c }], baseline: { source: 'main' } }));
    expect(summary).toContain('#### All layers (4 layers, deltas against the baseline)');
    expect(summary.split('\n').filter((l) => l.startsWith('| ')).length).toBeGreaterThan(body.split('\n').slice(0, body.split('\n').indexOf('<details><summary>All layers (4 layers, deltas against the baseline)</summary>')).filter((l) => l.startsWith('| ')).length);
  });
});
