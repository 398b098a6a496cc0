import { describe, expect, it } from 'vitest';
import { closestName, editDistance, parseCommandArgs } from '../../src/cli/parse.js';
import { AuditError } from '../../src/errors.js';

describe('editDistance', () => {
  it.each([
    ['layer', 'layers', 1],
    ['audti', 'audit', 1], // a swap of neighbours counts once
    ['kitten', 'sitting', 3],
    ['', 'abc', 3],
    ['same', 'same', 0],
  ])('%s -> %s = %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('closestName', () => {
  const options = ['model', 'data', 'out', 'layers', 'query-split', 'reference-split', 'min-purity', 'no-tsne', 'tsne-3d', 'quiet'];
  it.each([
    ['layer', 'layers'],
    ['min-purty', 'min-purity'],
    ['modle', 'model'],
    ['tsne3d', 'tsne-3d'],
    ['bogus', undefined],
    ['x', undefined],
  ])('%s -> %s', (given, want) => {
    expect(closestName(given, options)).toBe(want);
  });
});

describe('parseCommandArgs', () => {
  const opts = { layers: { type: 'string' }, quiet: { type: 'boolean' } } as const;
  it('parses known options', () => {
    expect(parseCommandArgs('audit', ['--layers', 'a,b', '--quiet'], opts).values).toEqual({ layers: 'a,b', quiet: true });
  });
  it.each([
    [['--layer', 'x'], "Unknown option '--layer'. Did you mean --layers? Run semantic-audit audit --help for the options."],
    [['--layer=x'], "Unknown option '--layer'. Did you mean --layers? Run semantic-audit audit --help for the options."],
    [['--zzz'], "Unknown option '--zzz'. Run semantic-audit audit --help for the options."],
    [['--layers'], "Option '--layers <value>' argument missing. Run semantic-audit audit --help for the options."],
    [['stray'], 'Unexpected argument \'stray\'. This command does not take positional arguments. Run semantic-audit audit --help for the options.'],
  ])('%j -> an AuditError', (argv, message) => {
    let err: unknown;
    try {
      parseCommandArgs('audit', argv, opts);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AuditError);
    expect((err as Error).message).toBe(message);
  });
});
