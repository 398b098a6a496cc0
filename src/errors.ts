/**
 * Errors raised by semantic-audit.
 *
 * Every error a user can cause (a bad option, a missing file, an unknown layer) is a
 * {@link AuditError}: the CLI prints its message without a stack trace and exits 2, and
 * matchers rethrow it unchanged. Anything else is a bug in semantic-audit.
 */

/** An error caused by the user's input, with a message that says what to do. */
export class AuditError extends Error {
  /** Machine-readable category, e.g. `E_PARAM`, `E_LAYER`, `E_IMAGE`. */
  readonly code: string;
  constructor(message: string, code = 'E_INPUT', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuditError';
    this.code = code;
  }
}

/** Formats a value for an error message: strings quoted, numbers as written. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `[${value.map(describeValue).join(', ')}]`;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/**
 * The one error shape for a bad parameter:
 * `Expected integer >= 1 for k but received 0`.
 */
export function paramError(name: string, expected: string, received: unknown, hint?: string): AuditError {
  return new AuditError(
    `Expected ${expected} for ${name} but received ${describeValue(received)}${hint ? `. ${hint}` : ''}`,
    'E_PARAM',
  );
}

/** Throws {@link paramError} unless `value` is an integer within [min, max]. */
export function checkInteger(name: string, value: unknown, min: number, max = Number.POSITIVE_INFINITY): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = Number.isFinite(max) ? `integer in [${min}, ${max}]` : `integer >= ${min}`;
    throw paramError(name, range, value);
  }
  return value;
}

/** Throws {@link paramError} unless `value` is a finite number within [min, max]. */
export function checkNumber(name: string, value: unknown, min = Number.NEGATIVE_INFINITY, max = Number.POSITIVE_INFINITY): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    let range = 'finite number';
    if (Number.isFinite(min) && Number.isFinite(max)) range = `number in [${min}, ${max}]`;
    else if (Number.isFinite(min)) range = `number >= ${min}`;
    else if (Number.isFinite(max)) range = `number <= ${max}`;
    throw paramError(name, range, value);
  }
  return value;
}

/** Throws {@link paramError} unless `value` is one of `choices`. */
export function checkChoice<T extends string>(name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw paramError(name, `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`, value);
  }
  return value as T;
}
