/**
 * Runtime validation of the options objects of the public API (`auditModel` and the matchers), so
 * that JavaScript callers and typos in JSON configs get the safety TypeScript callers get: every
 * wrong type, out-of-range value and unknown key fails with the one parameter-error shape of
 * `errors.ts` (`Expected <what> for <name> but received <value>`) before any work starts.
 */

import { type AuditError, checkChoice, checkInteger, checkNumber, paramError } from '../errors.js';
import { PRESETS } from '../data/preprocess.js';
import { closestNames } from '../model/layers.js';

/** A validator of one option's value; `name` is the option's full name for messages. */
export type OptionCheck = (name: string, value: unknown) => void;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

/**
 * Fails unless `value` is a plain object; `example` shows the expected shape in the message.
 * `undefined` passes when `optional`.
 */
export function checkOptionsObject(name: string, value: unknown, example: string, hint?: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw paramError(name, `an options object such as ${example}`, value, hint);
  return value;
}

/**
 * Fails on the first key of `options` that `known` does not list, naming the closest known key.
 * Keys whose value is `undefined` are checked too (a misspelt key is a mistake even when unset).
 */
export function checkKnownKeys(what: string, options: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = closestNames(key, [...known], 1)[0];
    throw unknownKey(what, key, known, near);
  }
}

function unknownKey(what: string, key: string, known: readonly string[], near: string | undefined): AuditError {
  return paramError(`the name of ${what}`, `one of ${known.join(', ')}`, key, near ? `Did you mean ${JSON.stringify(near)}?` : undefined);
}

/** Validates each present (not `undefined`) option of `options` with its check in `spec`; unknown keys fail. */
export function checkOptions(what: string, options: Record<string, unknown>, spec: Record<string, OptionCheck>, prefix = ''): void {
  checkKnownKeys(what, options, Object.keys(spec));
  for (const [key, check] of Object.entries(spec)) {
    const v = options[key];
    if (v !== undefined) check(prefix + key, v);
  }
}

/** Option checks shared by the API's validators. */
export const is = {
  integer: (min: number, max?: number): OptionCheck => (n, v) => void checkInteger(n, v, min, max),
  number: (min?: number, max?: number): OptionCheck => (n, v) => void checkNumber(n, v, min, max),
  choice: (choices: readonly string[]): OptionCheck => (n, v) => void checkChoice(n, v, choices),
  boolean: (): OptionCheck => (n, v) => {
    if (typeof v !== 'boolean') throw paramError(n, 'true or false', v);
  },
  string: (): OptionCheck => (n, v) => {
    if (typeof v !== 'string' || v === '') throw paramError(n, 'a non-empty string', v);
  },
  function: (): OptionCheck => (n, v) => {
    if (typeof v !== 'function') throw paramError(n, 'a function', v);
  },
  stringList: (example: string): OptionCheck => (n, v) => {
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string' && x !== '')) throw paramError(n, `a non-empty array of strings such as ${example}`, v);
  },
  any: (): OptionCheck => () => {},
};

const numbers = (n: string, v: unknown) => {
  if (!Array.isArray(v) || (v.length !== 1 && v.length !== 3) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw paramError(n, 'an array of 1 or 3 finite numbers (one per channel, after scaling to [0, 1])', v);
  }
};

/** Checks of the `preprocess` option's fields. */
const PREPROCESS: Record<string, OptionCheck> = {
  size: (n, v) => {
    if (typeof v === 'number') return void checkInteger(n, v, 1, 8192);
    if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => Number.isInteger(x) && x >= 1 && x <= 8192)) {
      throw paramError(n, 'an integer in [1, 8192] or [height, width]', v);
    }
  },
  resize: is.choice(['crop', 'stretch', 'pad']),
  padValue: (n, v) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 255) throw paramError(n, 'a pixel value in [0, 255]', v);
  },
  padAlign: is.choice(['start', 'center']),
  channels: is.choice(['rgb', 'bgr']),
  mean: numbers,
  std: (n, v) => {
    numbers(n, v);
    if ((v as number[]).some((x) => x <= 0)) throw paramError(n, 'positive numbers', v);
  },
  preset: is.choice(Object.keys(PRESETS)),
  layout: is.choice(['NCHW', 'NHWC']),
};

/** The cache option: `true`/`false`, a directory, or an open activation cache. */
const cacheOption: OptionCheck = (n, v) => {
  if (typeof v === 'boolean' || (typeof v === 'string' && v !== '')) return;
  if (isPlainObjectOrInstance(v) && typeof (v as { get?: unknown }).get === 'function') return;
  throw paramError(n, 'true, false, a cache directory or an ActivationCache', v);
};

const isPlainObjectOrInstance = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks of every `auditModel` option. */
export const AUDIT_MODEL_OPTIONS: Record<string, OptionCheck> = {
  data: is.string(),
  querySplit: is.string(),
  referenceSplit: is.string(),
  layers: is.stringList('["pool5"]'),
  labels: is.stringList('["cat", "dog"]'),
  labelIssues: is.boolean(),
  preprocess: (n, v) => {
    const hint = typeof v === 'string' && v in PRESETS ? `Write ${n}: { preset: ${JSON.stringify(v)} }` : undefined;
    checkOptions('a preprocess option', checkOptionsObject(n, v, "{ preset: 'imagenet' } or { mean: [...], std: [...], size: 224 }", hint), PREPROCESS, `${n}.`);
  },
  gemm: (n, v) => {
    if (!isPlainObjectOrInstance(v) || typeof (v as { multiplyTransposed?: unknown }).multiplyTransposed !== 'function') throw paramError(n, 'a Gemm engine (an object with multiplyTransposed)', v);
  },
  cache: cacheOption,
  cacheMaxBytes: is.integer(1),
  cacheInput: is.boolean(),
  batchSize: is.integer(1),
  decodeConcurrency: is.integer(1),
  intraOpNumThreads: is.integer(1),
  inferenceThread: is.choice(['worker', 'main']),
  executionProviders: is.stringList('["cpu"] or ["cuda", "cpu"]'),
  onProgress: is.function(),
  onStats: is.function(),
  onNotice: is.function(),
  maxPerClass: is.integer(1),
  sampleSeed: is.integer(0),
  config: (n, v) => {
    if (typeof v === 'boolean' || (typeof v === 'string' && v !== '')) return;
    throw paramError(n, 'true, false or a config file path', v);
  },
};

/**
 * Validates the options of `auditModel` (types, ranges, unknown keys) with the one error shape.
 *
 * @example
 * validateAuditModelOptions({ data: 'images/', batchSize: '32' });
 * // AuditError: Expected integer >= 1 for batchSize but received "32"
 */
export function validateAuditModelOptions(options: unknown): void {
  const o = checkOptionsObject('auditModel options', options, "{ data: 'images/' }");
  if (typeof o.data !== 'string' || o.data === '') throw paramError('data', 'an ImageFolder directory or CSV manifest path', o.data);
  checkOptions('an auditModel option', o, AUDIT_MODEL_OPTIONS);
}

/** Validates the options of `auditFromShards` (`gemm`, `cache`, `cacheMaxBytes`, `labels`, `labelIssues`). */
export function validateAuditFromShardsOptions(options: unknown): void {
  const o = checkOptionsObject('auditFromShards options', options, '{ cache: false }');
  const { gemm, cache, cacheMaxBytes, labels, labelIssues } = AUDIT_MODEL_OPTIONS;
  checkOptions('an auditFromShards option', o, { gemm, cache, cacheMaxBytes, labels, labelIssues });
}
