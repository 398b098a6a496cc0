import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript script without type declarations.
import { sourceFiles } from '../../scripts/folder-graph.mjs';

const SRC = path.join(import.meta.dirname, '..', '..', 'src');
const MAX_LINES = 500;

/** The leading block comment of a file (its header), or ''. */
function header(text: string): string {
  const m = /^\s*\/\*\*?([\s\S]*?)\*\//.exec(text);
  return m ? m[1] : '';
}

describe('source files', () => {
  it(`have at most ${MAX_LINES} lines, unless their header says why ("Over ${MAX_LINES} lines: <reason>")`, () => {
    const tooLong: string[] = [];
    for (const file of sourceFiles(SRC) as string[]) {
      const text = readFileSync(file, 'utf8');
      const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
      if (lines > MAX_LINES && !/Over \d+ lines: \S/.test(header(text).replace(/\n\s*\*/g, ' '))) tooLong.push(`${path.relative(SRC, file)} (${lines} lines)`);
    }
    expect(tooLong).toEqual([]);
  });

  it('recognises a header reason', () => {
    expect(/Over \d+ lines: \S/.test(header('/**\n * A file.\n *\n * Over 500 lines: one format.\n */\nx'))).toBe(true);
    expect(header('// no block\n/** later */')).toBe('');
  });
});
