/**
 * The label-issue CSV files of a report directory: `label-issues.csv` for the main layer (the
 * layer the HTML report centres on), `label-issues.<layer>.csv` for every other layer with a
 * `labelIssues` field; with several reports, each file name is prefixed `m<i>-`.
 */

import { labelIssuesCsv } from '../audit/label-issues.js';
import type { RenderableReport } from './types.js';
import { ModelContext, ThumbIndex } from './view/context.js';
import { labelIssuesOf } from './view/label-issues.js';

/** A layer name as a file-name part: anything but letters, digits, `.`, `_` and `-` becomes `_`. */
function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** The files to write: name and CSV text (none when no layer has label issues). */
export function labelIssueCsvFiles(reports: RenderableReport[], mainLayer?: string): { file: string; content: string }[] {
  const out: { file: string; content: string }[] = [];
  reports.forEach((report, i) => {
    const ctx = new ModelContext(report, i, new ThumbIndex());
    const prefix = reports.length > 1 ? `${ctx.id}-` : '';
    const main = ctx.mainLayer(mainLayer);
    const mainField = labelIssuesOf(main);
    if (mainField) out.push({ file: `${prefix}label-issues.csv`, content: labelIssuesCsv(mainField) });
    const used = new Set<string>();
    for (const layer of report.layers) {
      const field = labelIssuesOf(layer);
      if (!field || layer === main) continue;
      let name = `${prefix}label-issues.${fileSafe(layer.name)}`;
      if (used.has(name)) name += `.k${layer.knn.k}.${layer.knn.metric}`;
      used.add(name);
      out.push({ file: `${name}.csv`, content: labelIssuesCsv(field) });
    }
  });
  return out;
}
