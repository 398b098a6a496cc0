import { describe, expect, test } from 'vitest';
import {
  type AuditOutcome,
  GITHUB_COMMENT_LIMIT,
  buildComment,
  buildSummary,
  clip,
  commentDigest,
  commentMarker,
  escapeMarkdown,
  inlineCode,
  truncateMarkdown,
} from '../../src/action/markdown.js';
import { compareReports } from '../../src/baseline/compare.js';
import { makeReport } from './helpers/reports.js';

const WJ = '\u2060';

describe('escapeMarkdown', () => {
  test('escapes inline syntax, mentions and issue links', () => {
    expect(escapeMarkdown('**bold** @team fixes #12 <img src=x> a|b [x](y) `code` $x$ ~~s~~ &amp; _i_ !')).toBe(
      `\\*\\*bold\\*\\* \\@${WJ}team fixes \\#${WJ}12 \\<img src=x\\> a\\|b \\[x\\]\\(y\\) \\\`code\\\` \\$x\\$ \\~\\~s\\~\\~ \\&amp; \\_i\\_ \\!`,
    );
  });

  test('escapes what would start a block, and flattens line breaks', () => {
    expect(escapeMarkdown('- item')).toBe('\\- item');
    expect(escapeMarkdown('12. item')).toBe('12\\. item');
    expect(escapeMarkdown('= heading')).toBe('\\= heading');
    expect(escapeMarkdown('a\nb\r\n\tc\u2028d')).toBe('a b c d');
    expect(escapeMarkdown('test/coat/img-01.png')).toBe('test/coat/img-01.png');
    expect(escapeMarkdown('back\\slash')).toBe('back\\\\slash');
  });
});

describe('inlineCode', () => {
  test('picks a fence longer than the backticks inside and pads when needed', () => {
    expect(inlineCode('npx vitest run')).toBe('`npx vitest run`');
    expect(inlineCode('echo `date` @team')).toBe('``echo `date` @team``');
    expect(inlineCode('`x`')).toBe('`` `x` ``');
    expect(inlineCode('a\nb')).toBe('`a b`');
  });
});

describe('clip', () => {
  test('keeps both ends of a long name', () => {
    expect(clip('abcdefghij', 5)).toBe('ab…ij');
    expect(clip('short', 5)).toBe('short');
    expect(Array.from(clip('😀'.repeat(10), 5))).toHaveLength(5);
  });
});

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
    expect(body).toContain('model classifier.onnx · 8 query images in 2 classes · all 1 check passed\n');
    expect(body).toContain('|  | Check | Value | Threshold |\n|---|---|--:|--:|\n| ✅ | pool5 purity.micro \\>= 0.8 | 0.900 | ≥ 0.800 |\n');
    // the weakest class name is escaped
    expect(body).toContain(`| pool5 | 5 | 0.900 | 0.900 | coat 0.900 |`);
    expect(body).toContain(`| data | 5 | 0.200 | 0.200 | coat 0.200 |`);
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
    expect(body).toContain(`| pool5 | test/shirt \\*\\*x\\*\\* \\@${WJ}y/shirt \\*\\*x\\*\\* \\@${WJ}y-0.png | shirt \\*\\*x\\*\\* \\@${WJ}y | 5 → 2 of 5 | -3 |`);
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
    expect(s).toContain('#### Purity per layer\n\n| Layer | k | Micro purity | Macro purity | Weakest class |');
  });
});

describe('buildComment with plots', () => {
  test('shows the plots, escapes their names, and leaves them out of the digest', () => {
    const extra = { name: 'sweep.png', url: 'https://github.com/o/r/raw/aaa/s.png' };
    const a = buildComment(outcome({ images: [{ name: 'plots/pool5 [t-SNE].png', url: 'https://github.com/o/r/raw/aaa/p.png' }, extra] }));
    const b = buildComment(outcome({ images: [{ name: 'plots/pool5 [t-SNE].png', url: 'https://github.com/o/r/raw/bbb/p.png' }, extra] }));
    expect(a).toContain(
      '#### Plots\n\n![plots/pool5 \\[t-SNE\\].png](https://github.com/o/r/raw/aaa/p.png)\n\n<details><summary>1 more plot</summary>\n\n![sweep.png](https://github.com/o/r/raw/aaa/s.png)\n\n</details>\n',
    );
    expect(commentDigest(a)).toBe(commentDigest(b));
    expect(buildSummary(outcome({ images: [{ name: 'x.png', url: 'https://u/x.png' }] }))).toContain('![x.png](https://u/x.png)');
  });
});
