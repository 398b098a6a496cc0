/**
 * What `semantic-audit audit` reads besides its own flags: the config file
 * (`semantic-audit.config.json`, found upward or named with `--config`; flags override it), gate
 * expressions (`--gate`, repeatable, else the file's `gates`), the per-class sample
 * (`--max-per-class`) and precomputed features (`--features layer=file.npy --labels ...`).
 */

import path from 'node:path';
import { AuditError, describeValue } from '../errors.js';
import { type AuditConfig, loadConfig } from '../config/config-file.js';
import { type Gate, needsEmbedding, parseGates } from '../gates/gate-expression.js';
import type { FeatureFiles } from '../data/feature-set.js';
import { parseIntOption } from './args.js';

/** The parseArgs options this module reads (spread into the audit command's options). */
export const AUDIT_INPUT_OPTIONS = {
  config: { type: 'string' },
  gate: { type: 'string', multiple: true },
  'max-per-class': { type: 'string' },
  features: { type: 'string', multiple: true },
  labels: { type: 'string' },
  splits: { type: 'string' },
  images: { type: 'string' },
} as const;

/** Help lines of these options (appended to `semantic-audit audit --help`). */
export const AUDIT_INPUT_HELP = `  --gate <expr>              fail (exit 1) unless the expression holds; repeatable, e.g.
                             --gate 'pool5.purity.macro >= 0.8' --gate 'pool5.purity.class.* >= 0.6'
                             --gate 'pool5.silhouette >= 0.3' (replaces the config file's gates)
  --config <file>            settings file (default: semantic-audit.config.json in the working
                             directory or above); flags override it
  --max-per-class <n>        audit at most n images per class and split (a seeded sample, stable by path);
                             with --from, the shards' sample (extract --max-per-class) is used and a
                             different value is an error
  --features <layer=f.npy>   audit precomputed features (one row per image) instead of a model; repeatable;
                             --layers then defaults to every given layer
  --labels <file>            with --features: one class name per line, rows in the same order
  --splits <file>            with --features: one split (train/test) per line; none = leave-one-out
  --images <file>            with --features: one image path per line (relative to the file), for thumbnails`;

/** The values of the audit command that the config file can fill in. */
export interface ConfigurableValues {
  config?: string;
  model?: string;
  data?: string;
  out?: string;
  layers?: string;
  k?: string;
  metric?: string;
  'query-split'?: string;
  'reference-split'?: string;
  size?: string;
  resize?: string;
  'pad-value'?: string;
  'pad-align'?: string;
  channels?: string;
  mean?: string;
  std?: string;
  preset?: string;
  layout?: string;
  'batch-size'?: string;
  'cache-dir'?: string;
  'no-cache'?: boolean;
  'no-tsne'?: boolean;
  'tsne-3d'?: boolean;
  perplexity?: string;
  seed?: string;
  'max-per-class'?: string;
  'no-label-issues'?: boolean;
  'max-label-issues'?: string;
  gate?: string[];
  features?: string[];
  from?: string[];
}

/** The config's `preprocess` keys (as `auditModel`'s `preprocess` option names them) and the flag each fills. */
const PREPROCESS_FLAGS = {
  size: 'size',
  resize: 'resize',
  padValue: 'pad-value',
  padAlign: 'pad-align',
  channels: 'channels',
  mean: 'mean',
  std: 'std',
  preset: 'preset',
  layout: 'layout',
} as const;
const PREPROCESS_KEYS = Object.keys(PREPROCESS_FLAGS) as (keyof typeof PREPROCESS_FLAGS)[];

function preprocessValue(file: string, key: string, v: unknown): string {
  if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return v.join(',');
  throw new AuditError(`${file}: Expected a string, a number or an array of numbers for preprocess.${key} but received ${describeValue(v)}`, 'E_CONFIG');
}

/**
 * Reads the config file (`--config`, else the one found upward from `cwd`) and fills every value
 * the command line left unset; returns the config read (undefined when there is none). The
 * file's model, data and preprocessing are not used with `--features` or `--from`.
 *
 * @throws AuditError (`E_CONFIG`) for a malformed file, an unknown key or an unknown
 *   `preprocess` key
 */
export async function applyConfigFile(values: ConfigurableValues, cwd = process.cwd()): Promise<AuditConfig | undefined> {
  const config = await loadConfig(values.config, cwd);
  if (!config) return undefined;
  const set = <K extends keyof ConfigurableValues>(key: K, v: ConfigurableValues[K] | undefined) => {
    if (values[key] === undefined && v !== undefined) values[key] = v;
  };
  const str = (v: number | undefined) => (v === undefined ? undefined : String(v));
  const otherSource = values.features !== undefined || values.from !== undefined;
  if (!otherSource) {
    set('model', config.model);
    set('data', config.data);
    set('query-split', config.querySplit);
    set('reference-split', config.referenceSplit);
    set('batch-size', str(config.batchSize));
    for (const [key, v] of Object.entries(config.preprocess ?? {})) {
      if (!(PREPROCESS_KEYS as readonly string[]).includes(key)) {
        throw new AuditError(`${config.file}: Unknown key "preprocess.${key}". Known: ${PREPROCESS_KEYS.map((k) => `preprocess.${k}`).join(', ')}.`, 'E_CONFIG');
      }
      set(PREPROCESS_FLAGS[key as keyof typeof PREPROCESS_FLAGS], preprocessValue(config.file, key, v));
    }
    set('max-per-class', str(config.maxPerClass));
  }
  set('out', config.out);
  set('layers', config.layers?.join(','));
  set('k', str(config.k));
  set('metric', config.metric);
  if (config.cache === false && values['cache-dir'] === undefined) set('no-cache', true);
  else if (typeof config.cache === 'string' && !values['no-cache']) set('cache-dir', config.cache);
  if (config.tsne?.enabled === false) set('no-tsne', true);
  if (config.tsne?.threeD) set('tsne-3d', true);
  set('perplexity', str(config.tsne?.perplexity));
  set('seed', str(config.tsne?.seed));
  set('gate', config.gates);
  if (config.labelIssues === false && values['max-label-issues'] === undefined) set('no-label-issues', true);
  if (config.labelIssues !== false && !values['no-label-issues']) set('max-label-issues', config.maxLabelIssues === undefined ? undefined : String(config.maxLabelIssues));
  return config;
}

/** The values of `semantic-audit extract` that the config file can fill in. */
export type ExtractValues = Pick<
  ConfigurableValues,
  'config' | 'model' | 'data' | 'layers' | 'query-split' | 'reference-split' | 'size' | 'resize' | 'pad-value' | 'pad-align' | 'channels' | 'mean' | 'std' | 'preset' | 'layout' | 'batch-size' | 'cache-dir' | 'no-cache' | 'max-per-class'
>;

/** The keys {@link applyExtractConfig} copies: what decides which images and layers are extracted, and how. */
const EXTRACT_KEYS = ['model', 'data', 'layers', 'query-split', 'reference-split', 'size', 'resize', 'pad-value', 'pad-align', 'channels', 'mean', 'std', 'preset', 'layout', 'batch-size', 'cache-dir', 'no-cache', 'max-per-class'] as const;

/**
 * The config file for `semantic-audit extract`: the same file `audit` reads fills model, data,
 * layers, splits, preprocessing, batch size, cache and `maxPerClass` where the command line left
 * them unset, so each shard extracts the images and layers a single `audit` would. `out` (the
 * report directory), gates, k and t-SNE belong to `audit` and are not read here.
 *
 * @throws AuditError (`E_CONFIG`) as {@link applyConfigFile}
 */
export async function applyExtractConfig(values: ExtractValues, cwd = process.cwd()): Promise<AuditConfig | undefined> {
  const all: ConfigurableValues = { ...values };
  const config = await applyConfigFile(all, cwd);
  if (!config) return undefined;
  for (const key of EXTRACT_KEYS) if (values[key] === undefined && all[key] !== undefined) (values as Record<string, unknown>)[key] = all[key];
  return config;
}

/**
 * Parses the gates (`--gate` or the config's) and checks them against the run before any work:
 * an `embedding.*` gate needs t-SNE.
 *
 * @throws AuditError (`E_USAGE`) for a malformed expression or an embedding gate with `--no-tsne`
 */
export function gatesFromValues(values: ConfigurableValues): Gate[] {
  let gates: Gate[];
  try {
    gates = parseGates(values.gate ?? []);
  } catch (e) {
    throw new AuditError(`--gate: ${(e as Error).message}`, 'E_USAGE');
  }
  const embedding = gates.find((g) => needsEmbedding(g.metric));
  if (embedding && values['no-tsne']) {
    throw new AuditError(`The gate ${JSON.stringify(embedding.source)} reads the t-SNE embedding, but t-SNE is off (--no-tsne or "tsne": { "enabled": false }). Gate a feature-space metric (e.g. ${embedding.layer}.${embedding.metric.slice('embedding.'.length)}) or turn t-SNE on.`, 'E_USAGE');
  }
  return gates;
}

/** Checks that every gate names an audited layer, before any work. */
export function checkGateLayers(gates: readonly Gate[], layers: readonly string[]): void {
  for (const g of gates) {
    if (!layers.includes(g.layer)) {
      throw new AuditError(`The gate ${JSON.stringify(g.source)} names layer ${JSON.stringify(g.layer)}, which is not audited (layers: ${layers.join(', ')}). Add it to --layers (or "layers" in the config) or fix the gate.`, 'E_USAGE');
    }
  }
}

/** `--max-per-class`, validated. */
export function maxPerClassFromValues(values: ConfigurableValues): number | undefined {
  return parseIntOption('--max-per-class', values['max-per-class'], 1);
}

/**
 * The feature files of `--features layer=file.npy` (repeatable), `--labels`, `--splits` and
 * `--images`.
 *
 * @throws AuditError (`E_USAGE`) for a malformed `--features` value, a repeated layer or a missing `--labels`
 */
export function featureFilesFromValues(values: { features?: string[]; labels?: string; splits?: string; images?: string }): FeatureFiles {
  const layers: Record<string, string> = {};
  for (const f of values.features ?? []) {
    const eq = f.indexOf('=');
    if (eq <= 0 || eq === f.length - 1) {
      throw new AuditError(`Expected layer=file.npy for --features but received ${JSON.stringify(f)}. Name each layer, e.g. --features pool5=feats.npy --features data=pixels.npy.`, 'E_USAGE');
    }
    const name = f.slice(0, eq);
    if (name in layers) throw new AuditError(`--features names layer ${JSON.stringify(name)} twice. Give each layer once.`, 'E_USAGE');
    layers[name] = path.resolve(f.slice(eq + 1));
  }
  if (!values.labels) throw new AuditError('Missing --labels. With --features, give a text file with one class name per line, rows in the order of the features.', 'E_USAGE');
  return { layers, labels: path.resolve(values.labels), splits: values.splits && path.resolve(values.splits), images: values.images && path.resolve(values.images) };
}
