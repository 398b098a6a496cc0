/**
 * Option parsing of every command: `node:util` parseArgs, with errors that name the option, what
 * it expects and, for an unknown option, the closest known one (`--layer` -> `--layers`).
 */

import { type ParseArgsConfig, parseArgs } from 'node:util';
import { AuditError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Edit distance (insertions, deletions, substitutions, swaps of neighbours) between two short strings. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The known name closest to `name`: one it is a prefix of (or that is a prefix of it), else the
 * nearest by edit distance within a third of its length; `undefined` when none is close.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const prefixed = known.filter((k) => k.startsWith(name) || name.startsWith(k));
  if (prefixed.length > 0) return prefixed.sort((a, b) => Math.abs(a.length - name.length) - Math.abs(b.length - name.length))[0];
  let best: string | undefined;
  let bestD = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best;
}

/**
 * Parses `argv` for `command` with parseArgs (strict). An unknown option, a missing value or a
 * value given to a flag throws an {@link AuditError} with the closest option and the way to the
 * help.
 */
export function parseCommandArgs<O extends Options>(command: string, argv: string[], options: O, allowPositionals = false): ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: boolean; strict: true }>> {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    const e = err as Error & { code?: string };
    if (typeof e.code !== 'string' || !e.code.startsWith('ERR_PARSE_ARGS')) throw err;
    const help = `Run semantic-audit ${command} --help for the options.`;
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(e.message);
    if (unknown) {
      const given = unknown[1].replace(/^-+/, '').split('=')[0];
      const near = closestName(given, Object.keys(options));
      throw new AuditError(`Unknown option '${unknown[1]}'.${near ? ` Did you mean --${near}?` : ''} ${help}`, 'E_USAGE');
    }
    const msg = e.message.split('. To specify a positional')[0].replace(/\.$/, '');
    throw new AuditError(`${msg}. ${help}`, 'E_USAGE');
  }
}
