/**
 * Shared state of one page build: the thumbnail index (each image file gets one id, whichever
 * sections show it), layer display names and number formatting.
 */

import type { ImageNeighbors } from '../../result/report.js';
import { imageFile } from '../thumbnails.js';
import type { ReportLayer, RenderableReport } from '../types.js';
import { formatFixed, formatSigned, signOf } from '../../format/number.js';

/** Assigns one id per image file; the page defines each thumbnail once (CSS class `th-<id>`). */
export class ThumbIndex {
  private readonly ids = new Map<string, number>();
  /** Files in id order. */
  readonly files: string[] = [];

  /** The id of `file` when it has one. */
  get(file: string): number | undefined {
    return this.ids.get(file);
  }

  /** The id of `file`, assigning the next one on first use. */
  id(file: string): number {
    let id = this.ids.get(file);
    if (id === undefined) {
      id = this.files.length;
      this.ids.set(file, id);
      this.files.push(file);
    }
    return id;
  }
}

/** A thumbnail on the page. */
export interface ThumbView {
  /** CSS classes, e.g. `th th-12`. */
  cls: string;
  /** Text alternative: file and label. */
  alt: string;
  path: string;
  label: string;
}

/** One report being rendered, with its page-wide helpers. */
export class ModelContext {
  readonly report: RenderableReport;
  /** Page-unique prefix of element ids (`m0`). */
  readonly id: string;
  private readonly thumbs: ThumbIndex;
  private readonly names = new Map<ReportLayer, string>();

  constructor(report: RenderableReport, index: number, thumbs: ThumbIndex) {
    this.report = report;
    this.id = `m${index}`;
    this.thumbs = thumbs;
    const counts = new Map<string, number>();
    for (const l of report.layers) counts.set(l.name, (counts.get(l.name) ?? 0) + 1);
    for (const l of report.layers) this.names.set(l, (counts.get(l.name) ?? 0) > 1 ? `${l.name} (k=${l.knn.k}, ${l.knn.metric})` : l.name);
  }

  /** Display name of a layer (name, with k and metric when the same name was analysed twice). */
  layerName(layer: ReportLayer): string {
    return this.names.get(layer) ?? layer.name;
  }

  /** Page-unique id fragment of a layer (never derived from user text). */
  layerId(layer: ReportLayer): string {
    return `${this.id}-l${this.report.layers.indexOf(layer)}`;
  }

  /** The pixel-space layer, if audited. */
  get dataLayer(): ReportLayer | undefined {
    return this.report.layers.find((l) => l.kind === 'data') ?? this.report.layers.find((l) => l.name === 'data');
  }

  /** Audited layers other than pixel space, in network order. */
  get featureLayers(): ReportLayer[] {
    const d = this.dataLayer;
    return this.report.layers.filter((l) => l !== d);
  }

  /**
   * The layer the report centres on: `preferred` when audited, else the one named in most checks
   * (the deepest on ties), else the deepest layer that is not the logits, else the deepest layer.
   */
  mainLayer(preferred?: string): ReportLayer | undefined {
    const layers = this.featureLayers;
    if (layers.length === 0) return this.dataLayer;
    if (preferred) {
      const p = layers.find((l) => l.name === preferred);
      if (p) return p;
    }
    const checks = new Map<string, number>();
    for (const c of this.report.checks) checks.set(c.layer, (checks.get(c.layer) ?? 0) + 1);
    const ranked = [...layers].sort((a, b) => (checks.get(b.name) ?? 0) - (checks.get(a.name) ?? 0) || b.order - a.order);
    if ((checks.get(ranked[0].name) ?? 0) > 0) return ranked[0];
    const nonLogits = layers.filter((l) => l.kind !== 'logits' && l.name !== 'logits');
    return (nonLogits.length > 0 ? nonLogits : layers).at(-1);
  }

  /** Class index of a class name (-1 when unknown). */
  classIndex(name: string): number {
    return this.report.data.classes.indexOf(name);
  }

  /** The thumbnail of an image path of this report. */
  thumb(path: string, label: string): ThumbView {
    const id = this.thumbs.id(imageFile(this.report.data, path));
    return { cls: `th th-${id}`, alt: `${path} (${label})`, path, label };
  }

  /** Thumbnail id of an image path (for the page script's tooltips). */
  thumbId(path: string): number {
    return this.thumbs.id(imageFile(this.report.data, path));
  }

  /** A neighbour cell of image `im`, neighbour `j`. */
  neighbourCell(im: ImageNeighbors, j: number): NeighbourCell {
    const ref = this.report.data.reference[im.neighbors[j]];
    const label = im.neighborLabels[j];
    const path = ref?.path ?? `#${im.neighbors[j]}`;
    return {
      ...this.thumb(path, label),
      mismatch: label !== im.label,
      title: `${path} (${label}), distance ${formatNumber(im.distances[j], 4)}`,
    };
  }
}

/** A neighbour in a grid. */
export interface NeighbourCell extends ThumbView {
  /** Its class differs from the query's: outlined and labelled. */
  mismatch: boolean;
  title: string;
}

/** A number with `digits` decimals; `-` for null, undefined or NaN (`format/number.ts`). */
export function formatNumber(v: number | null | undefined, digits = 3): string {
  return formatFixed(v, digits);
}

/** A signed difference (`+0.012`, `\u22120.034`, `0.000`), and whether it is up, down or flat (`format/number.ts`). */
export function formatDelta(v: number | null | undefined, digits = 3): { text: string; dir: 'up' | 'down' | 'flat' | 'none' } {
  return { text: formatSigned(v, { digits, minus: '\u2212' }), dir: signOf(v, digits) };
}
