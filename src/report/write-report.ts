/**
 * Writes a report directory: `index.html` (one self-contained page), `report.json` (the audit
 * data) and PNG renditions of the key plots. Used by the Vitest reporter and `semantic-audit audit --out`.
 */

import path from 'node:path';
import type { AuditReport } from '../result/report.js';
import { REPORT_SCHEMA_VERSION } from '../result/schema-version.js';
import { upgradeReport } from '../result/upgrade.js';
import { AuditError } from '../errors.js';
import { VERSION } from '../version.js';
import { pngRenditions, svgToPng } from './png.js';
import { renderHtml, thumbnailCss } from './render-html.js';
import { type Thumbnail, type ThumbnailOptions, encodeThumbnails } from './thumbnails.js';
import type { ActivationCache } from '../cache/activation-cache.js';
import type { HoverThumbnailOptions } from './view/hover-thumbs.js';
import type { AuditReportBundle, RenderableReport } from './types.js';
import { type PageOptions, buildPage } from './view/page.js';
import { writeDirectoryAtomically } from '../output/atomic-dir.js';
import type { OutputFs } from '../output/output-fs.js';

/** Options of {@link writeReportDirectory}. */
export interface WriteReportOptions extends PageOptions {
  /**
   * Thumbnail size and quality, and how many distinct thumbnails the page embeds (`max`; the
   * t-SNE hover sample fills what the grids and misfits leave; CLI `--max-thumbnails`).
   * @default { size: 64, quality: 70, max: 2000, seed: 0 }
   */
  thumbnails?: ThumbnailOptions & HoverThumbnailOptions;
  /** Write the PNG renditions. @default true */
  png?: boolean;
  /** Write report.json. @default true */
  json?: boolean;
  /** Write index.html (`false`: report.json and PNGs only, as `audit --no-html`). @default true */
  html?: boolean;
  /**
   * report.json exactly as to be written (the CLI passes the text it measured); by default the
   * report serialised with two-space indentation.
   */
  jsonText?: string;
  /** File-system calls of the directory writer (tests inject faults). @default node:fs */
  fs?: OutputFs;
  /** Waiting for another process writing the same directory gives up after this long. @default 120000 */
  lockTimeoutMs?: number;
  /** Told when another process is writing the same directory and this one waits for it. */
  onWait?: (message: string) => void;
  /**
   * Cache of encoded thumbnails and rasterised PNGs (keyed by content), so that re-writing the
   * report of an unchanged audit skips the image encoding. The CLI passes the audit's activation
   * cache. @default none
   */
  cache?: ActivationCache;
}

/** What {@link writeReportDirectory} wrote. */
export interface WrittenReport {
  /** The report directory (absolute). */
  dir: string;
  /** index.html (absolute), unless disabled. */
  html?: string;
  /** Size of index.html in bytes (0 when not written). */
  htmlBytes: number;
  /** report.json (absolute), unless disabled. */
  json?: string;
  /** PNG files (absolute). */
  pngs: string[];
  /** Distinct images embedded as thumbnails. */
  thumbnails: number;
  /** Images that could not be read (shown as grey boxes), with the reason. */
  missingImages: { file: string; reason: string }[];
}

/**
 * Writes the report directory for one audit or several (one page, one section per model), as a
 * unit: everything is rendered first, written into a temporary sibling directory and swapped in
 * whole (see `writeDirectoryAtomically`), so a failure or a kill leaves the previous report intact
 * and files from an earlier run (an index.html after `--no-html`, PNGs of layers no longer
 * audited) never linger beside the new ones. Files the tool did not write are kept.
 * Thumbnails are read from the data root of each report (`report.data.source`); images that are
 * gone are drawn as grey boxes and listed in the result. With several reports, report.json holds
 * an {@link AuditReportBundle}; with one, the report itself.
 *
 * @example
 * const report = subject.report();
 * await writeReportDirectory(report, 'semantic-audit-report');
 */
export async function writeReportDirectory(report: AuditReport | RenderableReport | (AuditReport | RenderableReport)[], outDir: string, options: WriteReportOptions = {}): Promise<WrittenReport> {
  const given = (Array.isArray(report) ? report : [report]) as RenderableReport[];
  for (const [i, r] of given.entries()) {
    if (!r || typeof r !== 'object' || !r.data || !Array.isArray(r.layers) || !Array.isArray(r.checks)) {
      throw new AuditError(`Expected an audit report (report.json of semantic-audit) for report ${i} but received ${r === null ? 'null' : typeof r}`, 'E_PARAM');
    }
  }
  // Reports of an older schema get the fields the page reads (e.g. each image's majority class).
  const reports = given.map((r, i) => upgradeReport(r, given.length === 1 ? 'the report' : `report ${i}`));
  const built = buildPage(reports, options);
  const writesBefore = options.cache?.stats.writes ?? 0;
  const wantHtml = options.html !== false;
  const thumbs = wantHtml ? await encodeThumbnails(built.thumbs.files, { ...options.thumbnails, cache: options.cache }) : new Map<string, Thumbnail>();
  // Everything is rendered before the directory is touched, then written as a unit.
  const html = wantHtml ? renderHtml(built.view, thumbnailCss(built.thumbs.files, thumbs)) : undefined;
  let jsonText: string | undefined;
  if (options.json !== false) {
    const json: RenderableReport | AuditReportBundle =
      reports.length === 1
        ? reports[0]
        : { schemaVersion: REPORT_SCHEMA_VERSION, tool: { name: 'semantic-audit', version: VERSION }, createdAt: built.view.createdAt, passed: reports.every((r) => r.checks.every((c) => c.passed)), reports };
    jsonText = options.jsonText ?? `${JSON.stringify(json, null, 2)}\n`;
  }
  const pngs: { file: string; bytes: Uint8Array }[] = [];
  if (options.png !== false) {
    for (const ctx of built.contexts) {
      const prefix = reports.length > 1 ? `${ctx.id}-` : '';
      for (const p of await pngRenditions(ctx, ctx.mainLayer(options.mainLayer), prefix, { perClass: options.gridPerClass, worst: options.gridWorst, cache: options.cache })) {
        pngs.push({ file: p.file, bytes: await svgToPng(p.svg, 2, options.cache) });
      }
    }
  }
  const { dir } = await writeDirectoryAtomically(
    outDir,
    async (put) => {
      if (html !== undefined) await put('index.html', html);
      if (jsonText !== undefined) await put('report.json', jsonText);
      for (const p of pngs) await put(p.file, p.bytes);
    },
    { fs: options.fs, lockTimeoutMs: options.lockTimeoutMs, onWait: options.onWait },
  );
  const written: WrittenReport = {
    dir,
    htmlBytes: html === undefined ? 0 : Buffer.byteLength(html),
    pngs: pngs.map((p) => path.join(dir, p.file)),
    thumbnails: wantHtml ? built.thumbs.files.length : 0,
    missingImages: [...thumbs].flatMap(([file, t]) => (t.ok ? [] : [{ file, reason: t.reason }])),
  };
  if (html !== undefined) written.html = path.join(dir, 'index.html');
  if (jsonText !== undefined) written.json = path.join(dir, 'report.json');
  // Newly cached images may take the cache over its bound.
  if (options.cache && options.cache.stats.writes > writesBefore) options.cache.evict();
  return written;
}
