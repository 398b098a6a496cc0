import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { writeReportDirectory } from '../../src/report/index.js';
import type { RenderableReport } from '../../src/report/types.js';
import { auditModel } from '../../src/audit/model-audit.js';
import { compareReports } from '../../src/baseline/compare.js';
import { formatComparisonMarkdown, formatComparisonText } from '../../src/baseline/format-comparison.js';
import { type SuspectSnapshot, newSuspects } from '../../src/baseline/new-suspects.js';
import { tinyClassifier } from '../helpers/onnx-builder.js';
import { makeImageFolder, tempDir, writeImage } from '../helpers/images.js';

const s = (path: string, split: 'reference' | 'query' = 'reference'): SuspectSnapshot => ({ path, split, label: 'a', suggested: 'b', kind: 'label-error', score: 0.9 });

describe('newSuspects', () => {
  it('lists the suspects that were not suspects at baseline (same split and path)', () => {
    const ns = newSuspects('pool5', [s('x.png'), s('y.png')], [s('y.png'), s('x.png', 'query'), s('z.png')]);
    expect(ns).toEqual({ layer: 'pool5', before: 2, after: 3, added: [s('x.png', 'query'), s('z.png')] });
  });
  it('says nothing when a side has no label issues', () => {
    expect(newSuspects('pool5', undefined, [s('x.png')])).toBeUndefined();
    expect(newSuspects('pool5', [s('x.png')], undefined)).toBeUndefined();
  });
});

describe('compareReports: new label-issue suspects', () => {
  it('reports a planted label error as new against a clean baseline, in text and Markdown', async () => {
    const audit = async (planted: boolean) => {
      const root = await tempDir();
      await makeImageFolder(root, { classes: ['dark', 'mid', 'light'], perClass: 8 });
      if (planted) await writeImage(path.join(root, 'train', 'dark', 'wrong.png'), 8, 8, 3, (x, y, c) => 190 + ((x + y + c) % 5) * 3);
      const subject = await auditModel(tinyClassifier({ classes: 2 }), { data: root });
      await subject.labelIssues('data', { k: 3 });
      return subject.report();
    };
    const before = await audit(false);
    const after = await audit(true);
    const c = compareReports(before, after);
    const ns = c.newLabelIssues?.find((x) => x.layer === 'data');
    expect(ns?.added.map((x) => [x.path, x.label, x.suggested, x.kind])).toContainEqual(['train/dark/wrong.png', 'dark', 'light', 'label-error']);
    expect(ns?.added.every((x) => !before.layers[0].labelIssues!.issues.some((b) => b.path === x.path && b.split === x.split))).toBe(true);
    expect(formatComparisonText(c)).toContain(`New label-issue suspects in data: ${ns!.added.length} (suspects ${ns!.before} -> ${ns!.after})`);
    expect(formatComparisonText(c)).toMatch(/ {4}train\/dark\/wrong\.png \(reference\): dark -> light, label-error, score \d\.\d{3}/);
    expect(formatComparisonMarkdown(c)).toContain('| data | train/dark/wrong.png | reference | dark | light | label-error |');
    // The HTML report lists them under "Against the baseline".
    const out = await tempDir();
    const written = await writeReportDirectory({ ...after, comparisons: [c] } as RenderableReport, out, { png: false });
    const html = await readFile(written.html, 'utf8');
    expect(html).toContain(`New label-issue suspects (${ns!.added.length}; not suspects at baseline)`);
    expect(html).toContain('<span class="path">train/dark/wrong.png</span>');
  });
});
