/**
 * `semantic-audit.config.json`: a repository states its audit once (model, data, preprocessing,
 * layers, gates) and the CLI, the Action (which runs the CLI or Vitest) and `auditModel` read the
 * same file. Found upward from the working directory, or named with `--config`; command-line
 * flags and explicit options override it. Paths in the file are relative to the file.
 *
 * ```json
 * {
 *   "model": "models/classifier.onnx",
 *   "data": "probe-images",
 *   "preprocess": { "preset": "imagenet" },
 *   "layers": ["data", "pool5"],
 *   "k": 10,
 *   "gates": ["pool5.purity.macro >= 0.8", "pool5.silhouette >= 0.3"],
 *   "maxPerClass": 200
 * }
 * ```
 */

import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { AuditError, describeValue } from '../errors.js';
import { type Gate, parseGates } from '../gates/gate-expression.js';
import { editDistance } from '../model/layers.js';

/** File name searched for upward from the working directory. */
export const CONFIG_FILE_NAME = 'semantic-audit.config.json';

/** The t-SNE settings of a config. */
export interface ConfigTsne {
  /** @default true */
  enabled?: boolean;
  /** Also embed in 3-D. @default false */
  threeD?: boolean;
  /** @default 30 */
  perplexity?: number;
  /** @default 0 */
  seed?: number;
}

/** The contents of `semantic-audit.config.json`, paths resolved against the file's folder. */
export interface AuditConfig {
  /** Absolute path of the file read. */
  file: string;
  /** ONNX model (absolute). */
  model?: string;
  /** ImageFolder directory or CSV manifest (absolute). */
  data?: string;
  /** Preprocessing, as `auditModel`'s `preprocess` option (validated there). */
  preprocess?: Record<string, unknown>;
  layers?: string[];
  k?: number;
  metric?: 'euclidean' | 'cosine';
  querySplit?: string;
  referenceSplit?: string;
  /** Gate expressions, e.g. `pool5.purity.macro >= 0.8`. */
  gates?: string[];
  /** The same gates, parsed. */
  parsedGates?: Gate[];
  /** Images per class and split (seeded, stable sample). */
  maxPerClass?: number;
  batchSize?: number;
  tsne?: ConfigTsne;
  /** Report directory of the CLI (absolute). */
  out?: string;
  /** Activation cache directory (absolute), or false for none. */
  cache?: string | false;
  /** False: no label-issue analysis (`--no-label-issues`, `auditModel`'s `labelIssues: false`). */
  labelIssues?: boolean;
  /**
   * Largest share of reference images called `label-error` before the audit fails: a share for
   * every audited layer but `data`, or the CLI's `layer=share,...` form (`--max-label-issues`).
   */
  maxLabelIssues?: number | string;
}

type Kind = 'string' | 'path' | 'integer' | 'number' | 'boolean' | 'string[]' | 'object' | 'tsne' | 'cache' | 'metric' | 'share';

const KEYS: Record<string, { kind: Kind; min?: number }> = {
  $schema: { kind: 'string' },
  model: { kind: 'path' },
  data: { kind: 'path' },
  preprocess: { kind: 'object' },
  layers: { kind: 'string[]' },
  k: { kind: 'integer', min: 1 },
  metric: { kind: 'metric' },
  querySplit: { kind: 'string' },
  referenceSplit: { kind: 'string' },
  gates: { kind: 'string[]' },
  maxPerClass: { kind: 'integer', min: 1 },
  batchSize: { kind: 'integer', min: 1 },
  tsne: { kind: 'tsne' },
  out: { kind: 'path' },
  cache: { kind: 'cache' },
  labelIssues: { kind: 'boolean' },
  maxLabelIssues: { kind: 'share' },
};

/** Keys of `preprocess`: those of `auditModel`'s `preprocess` option (each has a CLI flag). */
export const PREPROCESS_KEYS = ['size', 'resize', 'padValue', 'padAlign', 'channels', 'mean', 'std', 'preset', 'layout'] as const;

const TSNE_KEYS: Record<string, Kind> = { enabled: 'boolean', threeD: 'boolean', perplexity: 'number', seed: 'integer' };

const EXPECTED: Record<Kind, string> = {
  string: 'a non-empty string',
  path: 'a non-empty path string (relative to the config file)',
  integer: 'an integer',
  number: 'a finite number',
  boolean: 'true or false',
  'string[]': 'an array of non-empty strings',
  object: 'an object',
  tsne: 'an object with enabled, threeD, perplexity, seed',
  cache: 'a directory path or false',
  metric: '"euclidean" or "cosine"',
  share: 'a share in [0, 1] or "layer=share,..."',
};

function closest(name: string, keys: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const k of keys) {
    const d = editDistance(name, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

function configError(file: string, what: string): AuditError {
  return new AuditError(`${file}: ${what}`, 'E_CONFIG');
}

function checkKind(file: string, key: string, kind: Kind, value: unknown, min?: number): void {
  const ok = (() => {
    switch (kind) {
      case 'string':
      case 'path':
        return typeof value === 'string' && value.length > 0;
      case 'integer':
        return typeof value === 'number' && Number.isInteger(value) && (min === undefined || value >= min);
      case 'number':
        return typeof value === 'number' && Number.isFinite(value);
      case 'boolean':
        return typeof value === 'boolean';
      case 'string[]':
        return Array.isArray(value) && value.every((v) => typeof v === 'string' && v.length > 0);
      case 'object':
      case 'tsne':
        return value !== null && typeof value === 'object' && !Array.isArray(value);
      case 'cache':
        return value === false || (typeof value === 'string' && value.length > 0);
      case 'metric':
        return value === 'euclidean' || value === 'cosine';
      case 'share': {
        const share = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1;
        if (typeof value !== 'string') return share(value);
        // "0.02" or "pool5=0.02,logits=0.03" (layer names are checked against the audited layers later)
        const parts = value.split(',').map((p) => p.trim());
        return parts.every((p) => p.length > 0 && (p.lastIndexOf('=') > 0 ? share(Number(p.slice(p.lastIndexOf('=') + 1).trim() || Number.NaN)) : share(Number(p))));
      }
    }
  })();
  if (!ok) {
    const expected = kind === 'integer' && min !== undefined ? `an integer >= ${min}` : EXPECTED[kind];
    throw configError(file, `Expected ${expected} for ${key} but received ${describeValue(value)}`);
  }
}

/**
 * Validates the parsed JSON of a config file and resolves its paths against `file`'s folder.
 *
 * @throws AuditError (`E_CONFIG`) naming the file and the key: unknown keys (with the closest
 *   known one), wrong types, malformed gate expressions
 */
export function parseConfig(json: unknown, file: string): AuditConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw configError(file, `Expected a JSON object of settings but received ${describeValue(json)}`);
  }
  const dir = path.dirname(file);
  const out: AuditConfig = { file };
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    const spec = KEYS[key];
    if (!spec) {
      const guess = closest(key, Object.keys(KEYS));
      throw configError(file, `Unknown key ${JSON.stringify(key)}${guess ? ` (did you mean ${JSON.stringify(guess)}?)` : ''}. Known keys: ${Object.keys(KEYS).filter((k) => k !== '$schema').join(', ')}.`);
    }
    checkKind(file, key, spec.kind, value, spec.min);
    switch (key) {
      case '$schema':
        break;
      case 'model':
      case 'data':
      case 'out':
        out[key] = path.resolve(dir, value as string);
        break;
      case 'cache':
        out.cache = value === false ? false : path.resolve(dir, value as string);
        break;
      case 'tsne': {
        const tsne: ConfigTsne = {};
        for (const [tk, tv] of Object.entries(value as Record<string, unknown>)) {
          const kind = TSNE_KEYS[tk];
          if (!kind) {
            const guess = closest(tk, Object.keys(TSNE_KEYS));
            throw configError(file, `Unknown key ${JSON.stringify(`tsne.${tk}`)}${guess ? ` (did you mean ${JSON.stringify(`tsne.${guess}`)}?)` : ''}. Known: ${Object.keys(TSNE_KEYS).map((k) => `tsne.${k}`).join(', ')}.`);
          }
          checkKind(file, `tsne.${tk}`, kind, tv, kind === 'integer' ? 0 : undefined);
          (tsne as Record<string, unknown>)[tk] = tv;
        }
        out.tsne = tsne;
        break;
      }
      case 'preprocess': {
        for (const pk of Object.keys(value as Record<string, unknown>)) {
          if (!(PREPROCESS_KEYS as readonly string[]).includes(pk)) {
            const guess = closest(pk, [...PREPROCESS_KEYS]);
            throw configError(file, `Unknown key ${JSON.stringify(`preprocess.${pk}`)}${guess ? ` (did you mean ${JSON.stringify(`preprocess.${guess}`)}?)` : ''}. Known: ${PREPROCESS_KEYS.map((k) => `preprocess.${k}`).join(', ')}.`);
          }
        }
        out.preprocess = { ...(value as Record<string, unknown>) };
        break;
      }
      case 'gates':
        try {
          out.parsedGates = parseGates(value as string[]);
        } catch (e) {
          throw configError(file, (e as Error).message);
        }
        out.gates = [...(value as string[])];
        break;
      default:
        (out as unknown as Record<string, unknown>)[key] = value;
    }
  }
  if (out.labelIssues === false && out.maxLabelIssues !== undefined) {
    throw configError(file, `Expected either "labelIssues": false or "maxLabelIssues" but received both ("maxLabelIssues": ${JSON.stringify(out.maxLabelIssues)} gates on label issues that "labelIssues": false turns off). Remove one of the two keys.`);
  }
  return out;
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/**
 * Finds `semantic-audit.config.json` in `from` or the nearest folder above it.
 *
 * @returns the absolute path, or undefined when there is none up to the file system root
 */
export async function findConfigFile(from = process.cwd()): Promise<string | undefined> {
  let dir = path.resolve(from);
  for (;;) {
    const candidate = path.join(dir, CONFIG_FILE_NAME);
    if (await isFile(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Reads and validates a config file: `file` when given (it must exist), else the one found upward
 * from `from`. Returns undefined when no file is given and none is found.
 */
export async function loadConfig(file?: string, from = process.cwd()): Promise<AuditConfig | undefined> {
  const target = file === undefined ? await findConfigFile(from) : path.resolve(from, file);
  if (target === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(target, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AuditError(
      code === 'ENOENT' ? `Config file not found: ${file ?? target}. Pass an existing file to --config, or create ${CONFIG_FILE_NAME}.` : `Cannot read config file ${target}: ${(e as Error).message}`,
      'E_CONFIG',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw configError(target, `not valid JSON (${(e as Error).message}). Fix the file or pass another with --config.`);
  }
  return parseConfig(json, target);
}
