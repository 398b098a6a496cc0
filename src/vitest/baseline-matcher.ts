/**
 * `toMatchSemanticBaseline(layer, options)`: compares a layer's k-NN purity (and, where computed,
 * its separation metrics) with a baseline stored beside the test file, the way snapshot tests
 * compare output. See docs/baselines.md.
 *
 * Update semantics follow Vitest snapshots through Vitest's public
 * `expect.getState().snapshotState.snapshotUpdateState` (Vitest >= 4.1.4):
 * - `new` (local run): a missing entry is written and the test passes with a notice;
 * - `none` (`CI` set, or `--update=none`): a missing entry fails and nothing is written;
 * - `all` (`vitest -u`): the entry is rewritten from the current audit and the test passes.
 * The baseline file is `__semantic__/<test file>.json` beside `expect.getState().testPath`.
 */

import path from 'node:path';
import { ModelAudit } from '../audit/model-audit.js';
import type { CheckResult, LayerReport } from '../result/report.js';
import { makeBaselineEntry, describeDataChange } from '../baseline/baseline-entry.js';
import type { BaselineEntry } from '../baseline/baseline-file.js';
import { baselinePathFor, readBaselineFile, updateBaselineFile } from '../baseline/baseline-store.js';
import { type CompareOptions, formatDelta, formatValue } from '../baseline/compare.js';
import { type BaselineDecision, type UpdateMode, decideBaseline } from '../baseline/decide-baseline.js';
import { DEFAULT_GATE, expandGate, gateNeedsEmbedding, gateNeedsSeparation, readGate } from '../baseline/gate.js';
import type { Comparison } from '../baseline/comparison-types.js';
import { snapshotLayer } from '../baseline/layer-snapshot.js';
import { AuditError, paramError } from '../errors.js';
import type { DistanceMetric } from '../math/knn.js';
import { attachToCurrentTest, type MatcherContext, type MatcherOutcome, withExtractionNote } from './matcher-utils.js';
import { validateBaselineOptions } from './matcher-options.js';

/** Options of `toMatchSemanticBaseline`. */
export interface SemanticBaselineOptions extends CompareOptions {
  /** Neighbours per query image. @default 10 */
  k?: number;
  /** Distance of the k-NN search (stored in the baseline; not a gated metric, see `gate`). @default 'euclidean' */
  metric?: DistanceMetric;
  /**
   * Compare even when the probe set (images, labels, preprocessing) differs from the one the
   * baseline was measured on. @default false
   */
  allowDataChange?: boolean;
  /** Key of the entry within the test; set it to keep several baselines of one layer. @default layer */
  name?: string;
  /** Seed of the sampled silhouette (above 5,000 reference images) and of the t-SNE embedding for `embedding.*` metrics. @default 0 */
  seed?: number;
  /** t-SNE perplexity for `embedding.*` metrics. @default 30 (lowered for small sets) */
  perplexity?: number;
}

export type { UpdateMode } from '../baseline/decide-baseline.js';

/** What a baseline matcher call did, on the test's `meta.semanticBaseline.results`. */
export interface BaselineResult {
  /** Baseline file, relative to the working directory. */
  file: string;
  test: string;
  key: string;
  layer: string;
  /** written: first run; updated/unchanged: -u; compared; missing: CI without a baseline; dataChanged: refused. */
  status: BaselineDecision['status'];
  comparison?: Comparison;
}

/** The part of Vitest's matcher `this` this matcher reads besides {@link MatcherContext}. */
export interface BaselineMatcherContext extends MatcherContext {
  testPath?: string;
  snapshotState?: { snapshotUpdateState?: UpdateMode } | null;
}

type TestLike = { meta: Record<string, unknown> };
let currentTest: (() => TestLike | undefined) | undefined;

/** Lets the Vitest entry supply `getCurrentTest` (this module never imports vitest). */
export function setBaselineTestProvider(fn: () => TestLike | undefined): void {
  currentTest = fn;
}

function attachResult(result: BaselineResult): void {
  const test = currentTest?.();
  if (!test) return;
  const meta = test.meta as { semanticBaseline?: { results: BaselineResult[] } };
  meta.semanticBaseline ??= { results: [] };
  meta.semanticBaseline.results.push(result);
}

/** Keys checked during this run, per baseline file and test (for obsolete-entry reporting). */
const checked = new Map<string, Map<string, Set<string>>>();

function markChecked(file: string, test: string, key: string): void {
  let byTest = checked.get(file);
  if (!byTest) checked.set(file, (byTest = new Map()));
  let keys = byTest.get(test);
  if (!keys) byTest.set(test, (keys = new Set()));
  keys.add(key);
}

const rel = (file: string) => path.relative(process.cwd(), file).split(path.sep).join('/') || file;

function notice(text: string): void {
  console.info(`semantic-audit: ${text}`);
}

function updateMode(ctx: BaselineMatcherContext): UpdateMode {
  const mode = ctx.snapshotState?.snapshotUpdateState;
  if (mode !== 'all' && mode !== 'new' && mode !== 'none') {
    throw new AuditError(
      'toMatchSemanticBaseline needs Vitest >= 4.1.4 (expect.getState().snapshotState.snapshotUpdateState) and must run inside a test.',
      'E_VITEST',
    );
  }
  return mode;
}

function checksOf(c: Comparison, source: string): (CheckResult & { baseline: number })[] {
  return c.rows
    .filter((r) => r.gated)
    .map((r) => {
      const lower = r.direction === 'lower';
      const threshold = lower ? r.before! + r.tolerance! : r.before! - r.tolerance!;
      return {
        name: `${r.layer} ${r.metric} ${lower ? '<=' : '>='} baseline ${formatValue(r.before)} ${lower ? '+' : '-'} ${r.tolerance}`,
        layer: r.layer,
        metric: r.metric,
        value: r.after!,
        threshold: Number(threshold.toFixed(6)),
        comparator: lower ? '<=' : '>=',
        passed: !r.regressed,
        source,
        baseline: r.before!,
      };
    });
}

function comparisonLines(c: Comparison): string[] {
  const lines: string[] = [];
  const worse = c.rows.filter((r) => r.regressed);
  if (worse.length > 0) {
    lines.push('Metrics that dropped more than their tolerance:');
    for (const r of worse) lines.push(`  ${r.metric}: ${formatValue(r.before)} -> ${formatValue(r.after)} (${formatDelta(r.delta)}, tolerance ${r.tolerance})`);
  }
  const classes = c.classes.filter((r) => r.delta !== null && r.delta < 0).sort((a, b) => a.delta! - b.delta! || (a.className < b.className ? -1 : 1));
  const classWorse = classes.filter((r) => r.regressed);
  if (classWorse.length > 0) {
    lines.push(`Classes whose purity dropped more than perClassTolerance ${c.perClassTolerance}:`);
    for (const r of classWorse) lines.push(`  ${r.className}: ${formatValue(r.before)} -> ${formatValue(r.after)} (${formatDelta(r.delta)})`);
  }
  if (classes.length > 0) {
    lines.push(`Classes that dropped most: ${classes.slice(0, 3).map((r) => `${r.className} ${formatValue(r.before)} -> ${formatValue(r.after)} (${formatDelta(r.delta)})`).join(', ')}`);
  }
  const n = c.neighbors[0];
  if (n && !n.unavailable) {
    lines.push(`Query images: ${n.lost} lost same-class neighbours, ${n.gained} gained, ${n.unchanged} unchanged (of ${n.compared}).`);
    const lost = n.changes.filter((x) => x.change < 0).slice(0, 5);
    for (const x of lost) lines.push(`  ${x.path} (${x.label}): ${x.before}/${n.k} -> ${x.after}/${n.k} same-class neighbours`);
  }
  const better = c.rows.filter((r) => r.improved);
  if (better.length > 0) lines.push(`Improved: ${better.map((r) => `${r.metric} ${formatValue(r.before)} -> ${formatValue(r.after)}`).join(', ')}`);
  return lines;
}

/**
 * The layer's report with what `gate` needs computed: the separation metrics of its features for
 * any metric beyond purity (the default gate has `silhouette`), and the t-SNE embedding for
 * `embedding.*`. Computed on demand and cached by the subject (and the result cache), as the
 * CLI's separation stage is.
 */
async function measureLayer(subject: ModelAudit, layer: string, options: SemanticBaselineOptions, gate: readonly string[]): Promise<LayerReport> {
  const result = await subject.analyze(layer, { k: options.k, metric: options.metric });
  if (!gateNeedsSeparation(gate)) return result;
  const embedding = gateNeedsEmbedding(gate);
  const seed = options.seed ?? 0;
  const separation = await subject.separation(layer, { k: result.knn.k, seed, embedding, perplexity: options.perplexity });
  const out: LayerReport = { ...result, separation };
  if (embedding) out.tsne = { '2d': await subject.embed(layer, { dims: 2, perplexity: options.perplexity, seed }) };
  return out;
}

/** The matcher body, independent of Vitest's registration. */
export async function toMatchSemanticBaseline(this: BaselineMatcherContext, received: unknown, layer: string, options: SemanticBaselineOptions = {}): Promise<MatcherOutcome> {
  const hint = this.utils.matcherHint('toMatchSemanticBaseline', 'model', 'layer', { isNot: this.isNot, promise: this.promise });
  if (this.isNot) {
    throw new AuditError(`${hint}\n\ntoMatchSemanticBaseline cannot be used with .not: a baseline says what the model should keep doing.`, 'E_PARAM');
  }
  if (!(received instanceof ModelAudit)) {
    throw new AuditError(`${hint}\n\nExpected the value to be a ModelAudit (from auditModel(model, { data })) but received ${this.utils.printReceived(received)}`, 'E_PARAM');
  }
  if (typeof layer !== 'string' || layer === '') throw paramError('layer', 'a layer name such as "pool5"', layer);
  // Validate before any work.
  validateBaselineOptions(options);
  const key = options.name ?? layer;
  const asked = readGate(options);
  const gate = asked ?? [...DEFAULT_GATE];
  const mode = updateMode(this);
  const testPath = this.testPath;
  const testName = this.currentTestName;
  if (!testPath || !testName) throw new AuditError('toMatchSemanticBaseline must run inside a Vitest test (no test path or name).', 'E_VITEST');

  const measured = await withExtractionNote(received, layer, () => measureLayer(received, layer, options, gate));
  const current = snapshotLayer(measured);
  for (const id of expandGate(gate)) {
    if (id !== 'purity.perClass' && current.metrics[id] === undefined) {
      throw new AuditError(`metric ${id} could not be computed for layer ${layer}; available: ${Object.keys(current.metrics).join(', ')}. Leave ${JSON.stringify(id)} out of gate.`, 'E_METRIC');
    }
  }
  const report = received.report();
  const entry = makeBaselineEntry(measured, report);
  const file = baselinePathFor(testPath);
  const where = `${rel(file)} (${JSON.stringify(testName)} / ${JSON.stringify(key)})`;
  const base = { file: rel(file), test: testName, key, layer };
  markChecked(file, testName, key);
  attachToCurrentTest(received);

  const stored = (await readBaselineFile(file))?.entries[testName]?.[key];
  const decision = decideBaseline(stored, entry, mode, {
    tolerance: options.tolerance,
    perClassTolerance: options.perClassTolerance,
    gate: asked,
    explicitGate: asked !== undefined,
    allowDataChange: options.allowDataChange,
    where,
    createdAt: report.createdAt,
  });
  return carryOut.call(this, decision, { received, layer, key, file, where, testPath, testName, stored, entry, base });
}

interface Situation {
  received: ModelAudit;
  layer: string;
  key: string;
  file: string;
  where: string;
  testPath: string;
  testName: string;
  stored: BaselineEntry | undefined;
  entry: BaselineEntry;
  base: Omit<BaselineResult, 'status'>;
}

/** Carries out a {@link BaselineDecision}: writes the file, prints the notice, records the result. */
async function carryOut(this: BaselineMatcherContext, d: BaselineDecision, s: Situation): Promise<MatcherOutcome> {
  const hint = this.utils.matcherHint('toMatchSemanticBaseline', 'model', 'layer', { isNot: this.isNot, promise: this.promise });
  const { layer, where, entry, base } = s;
  const store = (e: BaselineEntry) =>
    updateBaselineFile(s.file, (content) => {
      content.entries[s.testName] ??= {};
      content.entries[s.testName][s.key] = e;
    });
  switch (d.status) {
    case 'missing': {
      attachResult({ ...base, status: 'missing' });
      const testRel = rel(s.testPath);
      return {
        pass: false,
        message: () =>
          [
            hint,
            '',
            `No semantic baseline for layer ${JSON.stringify(layer)} in ${where}.`,
            'Baselines are not written in CI (CI is set, or --update=none), so there is nothing to compare with.',
            `Record it locally with \`npx vitest run ${testRel}\` (or \`npx vitest run -u ${testRel}\`) and commit ${rel(s.file)}.`,
          ].join('\n'),
      };
    }
    case 'written':
      await store(d.write);
      attachResult({ ...base, status: 'written' });
      notice(`wrote baseline of ${layer} (purity.micro ${formatValue(entry.metrics['purity.micro'])}, k = ${entry.k}) to ${where}`);
      return { pass: true, message: () => `${hint}\n\nBaseline written to ${where}.` };
    case 'updated':
      await store(d.write);
      notice(`updated baseline of ${layer} in ${where}: purity.micro ${formatValue(d.previous.metrics['purity.micro'])} -> ${formatValue(entry.metrics['purity.micro'])}`);
      attachResult({ ...base, status: 'updated' });
      return { pass: true, message: () => `${hint}\n\nBaseline updated in ${where}.` };
    case 'unchanged':
      attachResult({ ...base, status: 'unchanged' });
      return { pass: true, message: () => `${hint}\n\nBaseline unchanged in ${where}.` };
    case 'dataChanged': {
      const stored = s.stored!;
      attachResult({ ...base, status: 'dataChanged' });
      return {
        pass: false,
        message: () =>
          [
            hint,
            '',
            `The baseline of layer ${JSON.stringify(layer)} in ${where} was measured on other images: the probe-set fingerprint differs.`,
            ...describeDataChange(stored.data, entry.data, stored.images, entry.images).map((l) => `  ${l}`),
            'Comparing purity across different images mixes two causes. Re-record the baseline with `vitest -u` if the new images are intended, or pass { allowDataChange: true } to compare anyway.',
          ].join('\n'),
      };
    }
    case 'mismatch': {
      const stored = s.stored!;
      attachResult({ ...base, status: 'mismatch' });
      if (d.reason === 'settings') {
        return {
          pass: false,
          message: () =>
            `${hint}\n\nThe baseline in ${where} was recorded with k = ${stored.k}, ${stored.metric}; this test asks for k = ${entry.k}, ${entry.metric}. Re-record it with \`vitest -u\`, or set { name } to keep both.`,
        };
      }
      const missing = d.missing;
      return {
        pass: false,
        message: () => `${hint}\n\nThe baseline in ${where} has no ${missing.join(', ')} (recorded before ${missing.length === 1 ? 'it was' : 'they were'} computed). Re-record it with \`vitest -u\`.`,
      };
    }
    case 'compared':
      break;
  }
  const { comparison, dataChanged } = d;
  const stored = s.stored!;
  for (const c of checksOf(comparison, s.testName)) s.received.recordCheck(c);
  attachToCurrentTest(s.received);
  attachResult({ ...base, status: 'compared', comparison });
  if (!comparison.regressed && comparison.improved) {
    notice(`${layer} improved over its baseline in ${where}: ${comparison.improvements.map((l) => l.slice(layer.length + 1)).join('; ')}. Run \`vitest -u\` to raise the baseline.`);
  }
  const model = comparison.modelChanged ? `model ${stored.model.sha256.slice(0, 12)} -> ${entry.model.sha256.slice(0, 12)}` : `same model ${entry.model.sha256.slice(0, 12)}`;
  const message = () =>
    [
      hint,
      '',
      `Layer ${JSON.stringify(layer)} (k = ${entry.k}, ${entry.metric}) ${comparison.regressed ? 'got worse than' : 'matches'} its baseline in ${where}; ${model}.`,
      `Gated: ${comparison.metrics.join(', ')}${comparison.perClassTolerance !== undefined ? ` and every class's purity (tolerance ${comparison.perClassTolerance})` : ''}.`,
      ...(dataChanged ? ['Note: the probe set differs from the baseline (allowDataChange).'] : []),
      ...(comparison.environmentNote ? [comparison.environmentNote] : []),
      ...comparisonLines(comparison),
      'Full comparison: meta.semanticBaseline of this test, shown in the semantic-audit report (SemanticAuditReporter).',
      `If the change is intended, accept it with \`npx vitest run -u ${rel(s.testPath)}\`.`,
    ].join('\n');
  const before = comparison.rows.find((r) => r.metric === 'purity.micro');
  return { pass: !comparison.regressed, message, actual: before?.after ?? undefined, expected: before?.before ?? undefined };
}

/** The part of a Vitest task the obsolete-entry check reads. */
export interface TaskLike {
  type: string;
  name: string;
  mode?: string;
  result?: { state?: string };
  tasks?: TaskLike[];
}

function testNames(tasks: TaskLike[] | undefined, prefix: string[], out: Map<string, TaskLike>): void {
  for (const t of tasks ?? []) {
    const names = [...prefix, t.name];
    if (t.type === 'suite') testNames(t.tasks, names, out);
    else out.set(names.join(' > '), t);
  }
}

/**
 * After a test file: lists the entries of its baseline file that no test checks any more (the
 * test is gone, or it passed without checking that key). With `vitest -u` they are removed;
 * otherwise they are reported. Entries of skipped or failed tests are kept.
 *
 * @returns The obsolete `test / key` pairs.
 */
export async function reportObsoleteBaselines(file: { filepath: string; tasks?: TaskLike[] }, mode: UpdateMode | undefined): Promise<string[]> {
  const baselineFile = baselinePathFor(file.filepath);
  let content;
  try {
    content = await readBaselineFile(baselineFile);
  } catch {
    return []; // A broken file is reported by the matcher that reads it.
  }
  if (!content) return [];
  const tests = new Map<string, TaskLike>();
  testNames(file.tasks, [], tests);
  const keys = checked.get(baselineFile);
  const isObsolete = (test: string, key: string) => {
    const task = tests.get(test);
    if (!task) return true;
    return task.result?.state === 'pass' && !keys?.get(test)?.has(key);
  };
  const obsolete: [string, string][] = [];
  for (const [test, byKey] of Object.entries(content.entries)) for (const key of Object.keys(byKey)) if (isObsolete(test, key)) obsolete.push([test, key]);
  checked.delete(baselineFile);
  if (obsolete.length === 0) return [];
  const names = obsolete.map(([t, k]) => `${JSON.stringify(t)} / ${JSON.stringify(k)}`);
  if (mode === 'all') {
    await updateBaselineFile(baselineFile, (c) => {
      for (const [t, k] of obsolete) {
        if (c.entries[t] && isObsolete(t, k)) delete c.entries[t][k];
        if (c.entries[t] && Object.keys(c.entries[t]).length === 0) delete c.entries[t];
      }
    });
    notice(`removed ${obsolete.length} obsolete baseline ${obsolete.length === 1 ? 'entry' : 'entries'} from ${rel(baselineFile)}: ${names.join(', ')}`);
  } else {
    notice(`${obsolete.length} obsolete baseline ${obsolete.length === 1 ? 'entry' : 'entries'} in ${rel(baselineFile)}: ${names.join(', ')}. Run \`vitest -u\` to remove ${obsolete.length === 1 ? 'it' : 'them'}.`);
  }
  return names;
}

