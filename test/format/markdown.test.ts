/**
 * The one Markdown module, and both renderers that use it (`compare --markdown` and the PR
 * comment) on reports whose class names and file paths are hostile.
 */

import { describe, expect, test } from 'vitest';
import { buildComment, buildSummary, commentMarker } from '../../src/action/markdown.js';
import { compareReports } from '../../src/baseline/compare.js';
import { formatComparisonMarkdown } from '../../src/baseline/format-comparison.js';
import { clip, details, escapeHtml, escapeMarkdown, inlineCode, markdownTable, md } from '../../src/format/markdown.js';
import { makeReport } from '../action/helpers/reports.js';

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
    expect(escapeMarkdown(undefined)).toBe('');
  });
});

describe('inlineCode, clip, md, escapeHtml', () => {
  test('a fence longer than the backticks inside, padded when needed', () => {
    expect(inlineCode('npx vitest run')).toBe('`npx vitest run`');
    expect(inlineCode('echo `date` @team')).toBe('``echo `date` @team``');
    expect(inlineCode('`x`')).toBe('`` `x` ``');
    expect(inlineCode('a\nb')).toBe('`a b`');
  });

  test('clip keeps both ends of a long name, by code point; md clips then escapes', () => {
    expect(clip('abcdefghij', 5)).toBe('ab…ij');
    expect(clip('short', 5)).toBe('short');
    expect(Array.from(clip('😀'.repeat(10), 5))).toHaveLength(5);
    expect(md('**abcdefgh**', 5)).toBe('\\*\\*…\\*\\*');
  });

  test('escapeHtml for <summary> and other HTML blocks', () => {
    expect(escapeHtml(`</summary><img src=x onerror="a('@b')"> #1 &`)).toBe(`&lt;/summary&gt;&lt;img src=x onerror=&quot;a(&#39;@${WJ}b&#39;)&quot;&gt; #${WJ}1 &amp;`);
  });
});

describe('markdownTable and details', () => {
  test('header, alignment row, rows; a line break in a cell cannot end the table', () => {
    expect(markdownTable(['a', 'b'], [['1', 'x\ny']], 'lr')).toEqual(['| a | b |', '|---|--:|', '| 1 | x y |']);
  });

  test('details escapes its summary as HTML', () => {
    expect(details('<b>', ['x'])).toEqual(['<details><summary>&lt;b&gt;</summary>', '', 'x', '', '</details>']);
    expect(details('s', [], true)[0]).toBe('<details open><summary>s</summary>');
  });
});

/** Unescaped `|` characters of a Markdown table row: the cell separators. */
function separators(line: string): number {
  let n = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === '|') n++;
  }
  return n;
}

/** Every table of `markdown` has as many cells in each row as in its header. */
function expectIntactTables(markdown: string): void {
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^\|.*\|$/.test(lines[i]) || !/^\|[-:|]+\|$/.test(lines[i + 1] ?? '')) continue;
    const width = separators(lines[i]);
    for (let j = i + 1; j < lines.length && lines[j].startsWith('|'); j++) expect(separators(lines[j]), lines[j]).toBe(width);
  }
}

describe('hostile class and file names in both renderers', () => {
  const hostile = [
    'a|b',
    '**bold** @team',
    '</details><img src=x onerror=alert(1)>',
    '[click](javascript:alert(1))',
    'fixes #12\nsecond line',
    '- list `code`',
    commentMarker(''),
  ];
  const base = makeReport({ layers: { data: { sameClass: () => 2 }, pool5: { sameClass: () => 5, minPurity: 0.8 } }, classes: hostile });
  const now = makeReport({ layers: { data: { sameClass: () => 2 }, pool5: { sameClass: (i) => (i % 2 === 0 ? 1 : 5), minPurity: 0.8 } }, classes: hostile });
  const comparison = compareReports(base, now, { perClassTolerance: 0.05 });
  const outputs = {
    'compare --markdown': formatComparisonMarkdown(comparison),
    comment: buildComment({ title: '@org/team | <b>', passed: false, reportDir: 'r', entries: [{ report: now, comparison }], baseline: { source: 'main @x' }, failOnRegression: true, images: [], version: '0.1.0' }),
    summary: buildSummary({ title: '', passed: false, reportDir: 'r', entries: [{ report: now, comparison }], failOnRegression: true, images: [], version: '0.1.0' }),
  };

  for (const [name, text] of Object.entries(outputs)) {
    test(`${name}: every name escaped, no mention, link, HTML or extra cell`, () => {
      // The names do appear (escaped), so the test looks at rendered rows.
      expect(text).toContain(`\\*\\*bold\\*\\* \\@${WJ}team`);
      expect(text).not.toMatch(/(^|[^\\])@team/m);
      expect(text).not.toMatch(/(^|[^\\])#12/m);
      expect(text).not.toMatch(/(^|[^\\])<img/m);
      expect(text).not.toMatch(/(^|[^\\])\[click\]\(/m);
      expect(text).not.toMatch(/(^|[^\\])\*\*bold/m);
      expect(text).not.toContain('\nsecond line');
      expect(text.match(/<\/details>/g)?.length ?? 0).toBe(text.match(/<details/g)?.length ?? 0);
      expectIntactTables(text);
    });
  }

  test('the comment keeps exactly one marker even when a class name is a marker', () => {
    expect(outputs.comment.split(commentMarker('')).length - 1).toBe(0);
    expect(outputs.comment.split(commentMarker('@org/team | <b>')).length - 1).toBe(1);
    expect(outputs.comment).toContain(`### ❌ Semantic audit failed · \\@${WJ}org/team \\| \\<b\\>`);
  });

  test('compare --markdown and the comment write a delta the same way', () => {
    const row = comparison.rows.find((r) => r.layer === 'pool5' && r.metric === 'purity.micro')!;
    expect(row.delta).toBeCloseTo(-4 / 5 / 2, 12);
    expect(outputs['compare --markdown']).toContain('| pool5 | purity.micro | 1.000 | 0.600 | -0.400 | :x: regressed |');
    // the comment adds the paired 95 % interval of the delta (comparison.rows[].interval) and its verdict
    expect([row.interval!.lo, row.interval!.hi].map((v) => v.toFixed(3))).toEqual(['-0.543', '-0.257']);
    expect(outputs.comment).toContain('| ❌ | pool5 purity.micro \\>= 0.8 | 0.600 | ≥ 0.800 | 1.000 | **-0.400** [-0.543, -0.257] sig. ⚠️ |');
  });
});
