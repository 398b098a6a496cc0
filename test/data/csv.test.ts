import { describe, expect, it } from 'vitest';
import { decodeUtf8Strict, parseCsv, parseCsvRows } from '../../src/data/csv.js';

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

describe('parseCsvRows', () => {
  it('numbers rows by the line they start on (blank lines and quoted newlines counted)', () => {
    expect(parseCsvRows('a,b\n\n"multi\nline",c\r\nd,e\n')).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { fields: ['multi\nline', 'c'], line: 3 },
      { fields: ['d', 'e'], line: 5 },
    ]);
  });
  it('rejects a quote that is never closed, naming the line it opens on', () => {
    expect(() => parseCsvRows('a,b\n"c,d\ne,f\n')).toThrow(expect.objectContaining({ line: 2, message: 'a quoted field is never closed (a missing " ?)' }));
  });
  it('rejects text after a closing quote', () => {
    expect(() => parseCsvRows('a,b\n"c"x,d\n')).toThrow(expect.objectContaining({ line: 2, message: 'text after the closing quote of a field ("cx"); a quote inside a quoted field is written twice ("")' }));
  });
  it('keeps an empty quoted last field', () => {
    expect(parseCsvRows('a,""')).toEqual([{ fields: ['a', ''], line: 1 }]);
  });
});

describe('decodeUtf8Strict', () => {
  it('decodes UTF-8 and names the first line that is not', () => {
    expect(decodeUtf8Strict(Buffer.from('café\n'))).toBe('café\n');
    expect(() => decodeUtf8Strict(Buffer.concat([Buffer.from('ok\ncafé\ncaf'), Buffer.from([0xe9, 0x0a])]))).toThrow(
      expect.objectContaining({ line: 3, message: 'not UTF-8 text (byte 0xE9); save the file as UTF-8' }),
    );
  });
});
