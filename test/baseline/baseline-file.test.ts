import { describe, expect, it } from 'vitest';
import { type BaselineFile, formatBaselineFile, parseBaselineFile, sameEntry, stableStringify } from '../../src/baseline/baseline-file.js';
import { entry } from './fake-report.js';


const file: BaselineFile = { schemaVersion: 1, tool: 'semantic-audit', entries: { 'suite > b test': { pool5: entry('pool5') }, 'a test': { 'pool5 k=2': entry('pool5'), data: entry('data', 0.5) } } };
const NAME = '/p/__semantic__/m.test.ts.json';

describe('formatBaselineFile', () => {
  it('writes tests, keys, metrics and classes sorted, one image per line', () => {
    const text = formatBaselineFile(file);
    expect(text.indexOf('"a test"')).toBeLessThan(text.indexOf('"suite > b test"'));
    expect(text.indexOf('"data": {\n        "layer"')).toBeLessThan(text.indexOf('"pool5 k=2"'));
    expect(text).toContain('"perClass": {\n          "cat": 0.9,\n          "dog": 0.8\n        }');
    expect(text).toContain('"images": [\n          { "path": "test/cat/1.png", "label": "cat", "neighbors": ["cat", "cat"] },\n          { "path": "test/dog/1.png", "label": "dog", "neighbors": ["dog", "cat"] }\n        ]');
    expect(text).toContain('"classes": ["cat", "dog"]');
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('is stable: the same content in another key order gives the same text, and it round-trips', () => {
    const shuffled: BaselineFile = { schemaVersion: 1, tool: 'semantic-audit', entries: { 'a test': { data: entry('data', 0.5), 'pool5 k=2': entry('pool5') }, 'suite > b test': { pool5: entry('pool5') } } };
    const text = formatBaselineFile(file);
    expect(formatBaselineFile(shuffled)).toBe(text);
    expect(formatBaselineFile(parseBaselineFile(text, NAME))).toBe(text);
    expect(JSON.parse(text).entries['a test'].data.metrics['purity.micro']).toBe(0.5);
  });

  it('compares entries regardless of image order', () => {
    const e = entry('x');
    expect(sameEntry(e, { ...e, images: [...e.images].reverse() })).toBe(true);
    expect(sameEntry(e, entry('x', 0.91))).toBe(false);
  });

  it('keeps arrays of primitives inline', () => {
    expect(stableStringify({ a: [1, 2], b: { c: null } })).toBe('{\n  "a": [1, 2],\n  "b": {\n    "c": null\n  }\n}');
  });
});

describe('parseBaselineFile', () => {
  const tail = 'Fix it by hand (e.g. resolve the merge), or delete it and re-record with `vitest -u`; semantic-audit never overwrites a broken baseline file.';

  it('names the file and the JSON error', () => {
    expect(() => parseBaselineFile('{"schemaVersion": 1, "entries": {', NAME)).toThrow(new RegExp(`^Baseline file /p/__semantic__/m\\.test\\.ts\\.json is broken: not valid JSON \\(.+\\)\\. Fix it by hand`));
  });

  it('recognises merge conflict markers', () => {
    const text = formatBaselineFile(file).replace('    "a test": {', '<<<<<<< HEAD\n    "a test": {');
    expect(() => parseBaselineFile(text, NAME)).toThrow(`Baseline file ${NAME} is broken: it contains merge conflict markers (<<<<<<<, =======, >>>>>>>). ${tail}`);
  });

  it('names the entry and field that is wrong', () => {
    const bad = JSON.parse(formatBaselineFile(file));
    bad.entries['a test'].data.metrics['purity.micro'] = 'high';
    expect(() => parseBaselineFile(JSON.stringify(bad), NAME)).toThrow(`Baseline file ${NAME} is broken: entry "a test" / "data": "metrics" must map metric names to numbers. ${tail}`);
    delete bad.entries['a test'].data;
    bad.entries['a test']['pool5 k=2'].images[1].neighbors = 'cat';
    expect(() => parseBaselineFile(JSON.stringify(bad), NAME)).toThrow(`entry "a test" / "pool5 k=2": images[1] must be { path, label, neighbors: string[] }`);
    expect(() => parseBaselineFile('[]', NAME)).toThrow(`Baseline file ${NAME} is broken: expected a JSON object. ${tail}`);
    expect(() => parseBaselineFile('{"schemaVersion": 1}', NAME)).toThrow(`Baseline file ${NAME} is broken: "entries" must be an object. ${tail}`);
  });

  it('refuses a file from a newer version', () => {
    expect(() => parseBaselineFile('{"schemaVersion": 9, "entries": {}}', NAME)).toThrow(`Baseline file ${NAME} has schemaVersion 9, newer than this semantic-audit understands (1). Upgrade semantic-audit.`);
  });
});
