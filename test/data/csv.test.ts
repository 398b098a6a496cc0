import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/data/csv.js';

describe('parseCsv', () => {
  it('handles quotes, doubled quotes, commas, CRLF, BOM and blank lines', () => {
    expect(parseCsv('\ufeffpath,label\r\n"a,b.png","say ""hi"""\n\nc.png,cat\n')).toEqual([
      ['path', 'label'],
      ['a,b.png', 'say "hi"'],
      ['c.png', 'cat'],
    ]);
  });
  it('keeps a last line without newline', () => {
    expect(parseCsv('x,y')).toEqual([['x', 'y']]);
  });
});
