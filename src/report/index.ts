/**
 * The HTML audit report: one self-contained page (inline SVG plots, inline thumbnails, no
 * network), report.json and PNG renditions, written by the Vitest reporter and the CLI.
 */

export { type WriteReportOptions, type WrittenReport, writeReportDirectory } from './write-report.js';
export { type CollectedComparison, type CollectedReport, mergeReports } from './merge.js';
export { type PageOptions, buildPage } from './view/page.js';
export { type HoverThumbnailOptions } from './view/hover-thumbs.js';
export { DEFAULT_MAX_THUMBNAILS } from './thumbnail-sample.js';
export { svgToPng } from './png.js';
export { readSeparation, readTsne } from './extras.js';
export { tsneEmbedding } from './tsne-field.js';
export type * from './types.js';
