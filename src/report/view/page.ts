/**
 * The page view: everything the templates show, built from the reports alone. Plain data plus
 * {@link Markup} for the SVG plots; user text stays plain strings that the templates escape.
 */

import { CLASS_COLORS, MARKER_SHAPES, classStyle } from '../palette.js';
import { markerSvg } from '../svg/marker.js';
import type { RenderableReport } from '../types.js';
import { type BaselineView, baselineView } from './baseline.js';
import { type ClassesView, classesView } from './classes.js';
import { ModelContext, ThumbIndex } from './context.js';
import { type HoverThumbnailOptions, hoverThumbnails } from './hover-thumbs.js';
import { type Markup, trusted } from './markup.js';
import { type LabelIssuesView, labelIssuesView } from './label-issues.js';
import { type MisfitsView, misfitsView } from './misfits.js';
import { type GridView, neighbourGrids } from './neighbors.js';
import { type PageData, jsonForScript } from './page-data.js';
import { type SummaryView, summaryView } from './summary.js';
import { type SweepView, sweepView } from './sweep.js';
import { type TsneView, tsneView } from './tsne.js';

/** Options of {@link buildPage}. */
export interface PageOptions {
  /** Page title. @default 'semantic-audit report' */
  title?: string;
  /**
   * Layer the grids, misfits and class charts centre on (the CLI's `--focus`). @default the layer
   * named in most checks, else pool5, else penultimate, else the deepest layer other than data,
   * logits and probabilities
   */
  mainLayer?: string;
  /** Same as {@link mainLayer} (the name the CLI uses); wins when both are given. */
  focus?: string;
  /** Grid queries per class. @default 2 */
  gridPerClass?: number;
  /** Grid queries with the lowest purity. @default 4 */
  gridWorst?: number;
  /** Misfits listed. @default 24 */
  misfits?: number;
  /**
   * Hover thumbnails of the t-SNE plots: at most `max` distinct thumbnails on the page (a seeded,
   * class-stratified sample beside the images the grids, misfits and baseline show, which are
   * always embedded). @default { max: 2000, seed: 0 }
   */
  thumbnails?: HoverThumbnailOptions;
}

/** A section link of the navigation. */
export interface NavLink {
  href: string;
  text: string;
}

/** One audited model. */
export interface ModelView {
  id: string;
  title: string;
  passed: boolean;
  checks: number;
  failed: number;
  mainLayer: string;
  legend: { name: string; marker: Markup }[];
  nav: NavLink[];
  summary: SummaryView;
  grids: GridView[];
  tsne: TsneView;
  sweep: SweepView;
  misfits: MisfitsView;
  labelIssues: LabelIssuesView;
  classes: ClassesView;
  baseline: BaselineView;
}

/** The whole page. */
export interface PageView {
  title: string;
  createdAt: string;
  version: string;
  passed: boolean;
  checks: number;
  failed: number;
  models: ModelView[];
  /** The JSON island for the page script. */
  data: Markup;
}

/** The result of {@link buildPage}: the view and the image files it refers to by thumbnail id. */
export interface BuiltPage {
  view: PageView;
  thumbs: ThumbIndex;
  contexts: ModelContext[];
}

/** Builds the page view of one or more reports. */
export function buildPage(reports: RenderableReport[], options: PageOptions = {}): BuiltPage {
  const thumbs = new ThumbIndex();
  const data: PageData = { sets: {}, clouds: {}, colors: [...CLASS_COLORS], shapes: [...MARKER_SHAPES] };
  const contexts = reports.map((r, i) => new ModelContext(r, i, thumbs));
  // The sections that show chosen images first: their thumbnails are always embedded; the
  // t-SNE hover sample fills the rest of the budget.
  const sections = contexts.map((ctx) => {
    const main = ctx.mainLayer(options.focus ?? options.mainLayer);
    return {
      grids: neighbourGrids(ctx, main, { perClass: options.gridPerClass, worst: options.gridWorst }),
      misfits: misfitsView(ctx, main, options.misfits),
      labelIssues: labelIssuesView(ctx, main, options.misfits),
      baseline: baselineView(ctx),
    };
  });
  const hover = hoverThumbnails(contexts, thumbs, options.thumbnails);
  const models = contexts.map((ctx, i): ModelView => {
    const r = ctx.report;
    const main = ctx.mainLayer(options.focus ?? options.mainLayer);
    const failed = r.checks.filter((c) => !c.passed).length;
    const id = ctx.id;
    return {
      id,
      title: r.model.path,
      passed: r.checks.every((c) => c.passed),
      checks: r.checks.length,
      failed,
      mainLayer: main ? ctx.layerName(main) : '-',
      legend: r.data.classes.map((name, i) => {
        const s = classStyle(i);
        return { name, marker: trusted(`<svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">${markerSvg(s.shape, 6, 6, 4.5, s.color)}</svg>`) };
      }),
      nav: [
        ['summary', 'Summary'],
        ['neighbours', 'Neighbours'],
        ['tsne', 't-SNE'],
        ['sweep', 'Layer sweep'],
        ['misfits', 'Misfits'],
        ['label-issues', 'Label issues'],
        ['classes', 'Classes'],
        ['baseline', 'Baseline'],
      ].map(([s, text]) => ({ href: `#${id}-${s}`, text })),
      summary: summaryView(ctx),
      grids: sections[i].grids,
      tsne: tsneView(ctx, data, main, hover),
      sweep: sweepView(ctx),
      misfits: sections[i].misfits,
      labelIssues: sections[i].labelIssues,
      classes: classesView(ctx, main),
      baseline: sections[i].baseline,
    };
  });
  const checks = models.reduce((a, m) => a + m.checks, 0);
  const failed = models.reduce((a, m) => a + m.failed, 0);
  const createdAt = reports.map((r) => r.createdAt).sort().at(-1) ?? '';
  return {
    view: {
      title: options.title ?? 'semantic-audit report',
      createdAt,
      version: reports[0]?.tool.version ?? '',
      passed: failed === 0,
      checks,
      failed,
      models,
      data: trusted(jsonForScript(data)),
    },
    thumbs,
    contexts,
  };
}
