/**
 * The baseline file format: one JSON file per test file, entries keyed by test name and then by
 * layer (or the matcher's `name`). Written with a stable key order and one query image per line
 * so that a change reviews well in a pull request. Pure: parsing and formatting only; reading and
 * writing live in `baseline-store.ts`.
 */

import { AuditError } from '../errors.js';
import type { ImageNeighborLabels, LayerSnapshot } from './layer-snapshot.js';
import type { NumericsEnvironment } from './environment-note.js';

/** Current `schemaVersion` of {@link BaselineFile}. */
export const BASELINE_SCHEMA_VERSION = 1;

/** What the baseline was measured on; a `fingerprint` mismatch means other images. */
export interface ProbeSetFingerprint {
  /** sha256 over every image's split, path, label and content hash, and the preprocessing. */
  fingerprint: string;
  classes: string[];
  querySplit: string;
  referenceSplit: string;
  /** Number of query and reference images. */
  queryCount: number;
  referenceCount: number;
  /** Input size, layout, resize mode, mean and std. */
  preprocess: unknown;
}

/** One stored baseline: a layer snapshot plus what it was measured with. */
export interface BaselineEntry extends LayerSnapshot {
  /** sha256 of the ONNX model file the baseline was measured with. */
  model: { sha256: string; file: string };
  data: ProbeSetFingerprint;
  /** semantic-audit version that wrote the entry. */
  toolVersion: string;
  /**
   * Where the numbers were computed: platform, CPU, onnxruntime version and execution providers
   * (absent in entries written before it was stored). Not part of {@link sameEntry}: `vitest -u`
   * on another machine rewrites an entry only when its numbers differ.
   */
  environment?: NumericsEnvironment;
}

/** A whole baseline file. */
export interface BaselineFile {
  schemaVersion: number;
  tool: 'semantic-audit';
  /** entries[test name][layer or name] */
  entries: Record<string, Record<string, BaselineEntry>>;
}

/** An empty baseline file. */
export function emptyBaselineFile(): BaselineFile {
  return { schemaVersion: BASELINE_SCHEMA_VERSION, tool: 'semantic-audit', entries: {} };
}

function broken(file: string, why: string): AuditError {
  return new AuditError(
    `Baseline file ${file} is broken: ${why}. Fix it by hand (e.g. resolve the merge), or delete it and re-record with \`vitest -u\`; semantic-audit never overwrites a broken baseline file.`,
    'E_BASELINE_CORRUPT',
  );
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function checkEntry(file: string, where: string, e: unknown): BaselineEntry {
  const fail = (why: string) => broken(file, `entry ${where}: ${why}`);
  if (!isRecord(e)) throw fail('expected an object');
  if (typeof e.layer !== 'string') throw fail('"layer" must be a string');
  if (!Number.isInteger(e.k) || (e.k as number) < 1) throw fail('"k" must be an integer >= 1');
  if (typeof e.metric !== 'string') throw fail('"metric" must be a string');
  if (!isRecord(e.metrics) || !Object.values(e.metrics).every(isNum)) throw fail('"metrics" must map metric names to numbers');
  if (!isNum(e.metrics['purity.micro']) || !isNum(e.metrics['purity.macro'])) throw fail('"metrics" lacks purity.micro or purity.macro');
  if (!isRecord(e.perClass) || !Object.values(e.perClass).every((v) => v === null || isNum(v))) throw fail('"perClass" must map class names to numbers or null');
  if (!(e.seed === null || isNum(e.seed))) throw fail('"seed" must be a number or null');
  if (!isRecord(e.model) || typeof e.model.sha256 !== 'string') throw fail('"model.sha256" must be a string');
  if (!isRecord(e.data) || typeof e.data.fingerprint !== 'string') throw fail('"data.fingerprint" must be a string');
  if (typeof e.toolVersion !== 'string') throw fail('"toolVersion" must be a string');
  if (!Array.isArray(e.images)) throw fail('"images" must be an array');
  if (e.environment !== undefined) {
    const env = e.environment;
    if (!isRecord(env) || !['platform', 'arch', 'cpu', 'onnxruntime'].every((k) => typeof env[k] === 'string') || !Array.isArray(env.executionProviders) || !env.executionProviders.every((p) => typeof p === 'string')) {
      throw fail('"environment" must be { platform, arch, cpu, onnxruntime: string, executionProviders: string[] }');
    }
  }
  e.images.forEach((im: unknown, i) => {
    if (!isRecord(im) || typeof im.path !== 'string' || typeof im.label !== 'string' || !Array.isArray(im.neighbors) || !im.neighbors.every((l) => typeof l === 'string')) {
      throw fail(`images[${i}] must be { path, label, neighbors: string[] }`);
    }
  });
  return e as unknown as BaselineEntry;
}

/**
 * Parses and validates a baseline file's text.
 *
 * @param file Path shown in error messages.
 * @throws AuditError (`E_BASELINE_CORRUPT`) naming the file and what is wrong.
 */
export function parseBaselineFile(text: string, file: string): BaselineFile {
  if (/^(<{7}|>{7}|={7})( |$)/m.test(text)) throw broken(file, 'it contains merge conflict markers (<<<<<<<, =======, >>>>>>>)');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw broken(file, `not valid JSON (${(err as Error).message})`);
  }
  if (!isRecord(data)) throw broken(file, 'expected a JSON object');
  if (typeof data.schemaVersion !== 'number') throw broken(file, '"schemaVersion" is missing');
  if (data.schemaVersion > BASELINE_SCHEMA_VERSION) {
    throw new AuditError(
      `Baseline file ${file} has schemaVersion ${data.schemaVersion}, newer than this semantic-audit understands (${BASELINE_SCHEMA_VERSION}). Upgrade semantic-audit.`,
      'E_BASELINE_VERSION',
    );
  }
  if (!isRecord(data.entries)) throw broken(file, '"entries" must be an object');
  const entries: BaselineFile['entries'] = {};
  for (const [test, byKey] of Object.entries(data.entries)) {
    if (!isRecord(byKey)) throw broken(file, `entries[${JSON.stringify(test)}] must be an object`);
    entries[test] = {};
    for (const [key, e] of Object.entries(byKey)) entries[test][key] = checkEntry(file, `${JSON.stringify(test)} / ${JSON.stringify(key)}`, e);
  }
  return { schemaVersion: BASELINE_SCHEMA_VERSION, tool: 'semantic-audit', entries };
}

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The entry with its fields in a fixed order (images sorted by path, per-class as measured). */
function canonicalEntry(e: BaselineEntry): BaselineEntry {
  const images: ImageNeighborLabels[] = [...e.images]
    .sort((a, b) => byKey(a.path, b.path))
    .map((im) => ({ path: im.path, label: im.label, neighbors: [...im.neighbors] }));
  return {
    layer: e.layer,
    k: e.k,
    metric: e.metric,
    seed: e.seed,
    metrics: Object.fromEntries(Object.keys(e.metrics).sort(byKey).map((k) => [k, e.metrics[k]])),
    perClass: Object.fromEntries(Object.keys(e.perClass).sort(byKey).map((k) => [k, e.perClass[k]])),
    model: { sha256: e.model.sha256, file: e.model.file },
    data: {
      fingerprint: e.data.fingerprint,
      classes: e.data.classes,
      querySplit: e.data.querySplit,
      referenceSplit: e.data.referenceSplit,
      queryCount: e.data.queryCount,
      referenceCount: e.data.referenceCount,
      preprocess: e.data.preprocess,
    },
    toolVersion: e.toolVersion,
    ...(e.environment
      ? { environment: { platform: e.environment.platform, arch: e.environment.arch, cpu: e.environment.cpu, onnxruntime: e.environment.onnxruntime, executionProviders: [...e.environment.executionProviders] } }
      : {}),
    images,
  };
}

const isPrimitive = (v: unknown) => v === null || typeof v !== 'object';

/**
 * JSON with two-space indentation in which arrays of primitives, and objects inside arrays
 * whose values are primitives or arrays of primitives, stay on one line.
 */
export function stableStringify(value: unknown, indent = '', inArray = false): string {
  if (isPrimitive(value)) return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    if (value.every(isPrimitive)) return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
    const inner = indent + '  ';
    return `[\n${value.map((v) => inner + stableStringify(v, inner, true)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  if (inArray && entries.every(([, v]) => isPrimitive(v) || (Array.isArray(v) && v.every(isPrimitive)))) {
    return `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${stableStringify(v)}`).join(', ')} }`;
  }
  const inner = indent + '  ';
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${stableStringify(v, inner)}`).join(',\n')}\n${indent}}`;
}

/** The file's text: tests and keys sorted, entries canonical, a trailing newline. */
export function formatBaselineFile(file: BaselineFile): string {
  const entries: BaselineFile['entries'] = {};
  for (const test of Object.keys(file.entries).sort(byKey)) {
    const keys = Object.keys(file.entries[test]).sort(byKey);
    if (keys.length === 0) continue;
    entries[test] = Object.fromEntries(keys.map((k) => [k, canonicalEntry(file.entries[test][k])]));
  }
  return `${stableStringify({ schemaVersion: BASELINE_SCHEMA_VERSION, tool: 'semantic-audit', entries })}\n`;
}

/** Whether two entries would be written identically, apart from their `environment`. */
export function sameEntry(a: BaselineEntry, b: BaselineEntry): boolean {
  const numbers = (e: BaselineEntry) => stableStringify({ ...canonicalEntry(e), environment: undefined });
  return numbers(a) === numbers(b);
}
