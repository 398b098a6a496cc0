import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { pairWithBaseline, parseReports, readReports } from '../../src/action/report-file.js';
import { makeReport } from './helpers/reports.js';

describe('parseReports', () => {
  test('a single AuditReport', () => {
    const r = makeReport({ layers: { pool5: { sameClass: () => 4, minPurity: 0.5 } } });
    const loaded = parseReports(JSON.parse(JSON.stringify(r)), 'report.json');
    expect(loaded.bundle).toBe(false);
    expect(loaded.reports).toHaveLength(1);
    expect(loaded.reports[0].checks[0]).toEqual(r.checks[0]);
    expect(loaded.reports[0].passed).toBe(true);
  });

  test('a { reports } bundle from the Vitest reporter', () => {
    const a = makeReport({ layers: { pool5: { sameClass: () => 4 } } });
    const b = makeReport({ layers: { pool5: { sameClass: () => 1 } }, modelPath: 'm2.onnx' });
    const loaded = parseReports({ schemaVersion: 1, passed: true, reports: [a, b] }, 'report.json');
    expect(loaded.bundle).toBe(true);
    expect(loaded.reports.map((r) => r.model.path)).toEqual(['models/classifier.onnx', 'm2.onnx']);
  });

  test('schema 1 and 2: a schema-1 report gets each image\'s stored majority class; a newer schema is refused by name', () => {
    const r = makeReport({ layers: { pool5: { sameClass: (i) => (i === 0 ? 1 : 4) } } });
    const old = JSON.parse(JSON.stringify({ ...r, schemaVersion: 1 }));
    for (const im of old.layers[0].knn.images) delete im.majority, delete im.majorityCount;
    const [up] = parseReports(old, 'base.json').reports;
    expect(up.schemaVersion).toBe(2);
    expect(up.layers[0].knn.images.map((im) => [im.majority, im.majorityCount])).toEqual(r.layers[0].knn.images.map((im) => [im.majority, im.majorityCount]));
    expect(up.layers[0].knn.images[0]).toMatchObject({ label: 'coat', majority: 'shirt', majorityCount: 4 });
    expect(parseReports(JSON.parse(JSON.stringify(r)), 'now.json').reports[0].layers).toEqual(r.layers);
    expect(() => parseReports({ ...r, schemaVersion: 3 }, 'f.json')).toThrow('Expected schemaVersion 1 or 2 in f.json but received 3. It was written by a newer semantic-audit: upgrade semantic-audit to read it.');
    expect(() => parseReports({ schemaVersion: 3, reports: [r] }, 'f.json')).toThrow('Expected schemaVersion 1 or 2 in f.json but received 3.');
    expect(() => parseReports({ schemaVersion: 2, reports: [{ ...r, schemaVersion: 7 }] }, 'f.json')).toThrow('Expected schemaVersion 1 or 2 in f.json (reports[0]) but received 7.');
  });

  test('derives passed from the checks when absent, and fills missing optional fields', () => {
    const loaded = parseReports({ layers: [], checks: [{ passed: false, value: 'x' }] }, 'f.json');
    const [r] = loaded.reports;
    expect(r.passed).toBe(false);
    expect(r.checks[0].name).toBe('check 1');
    expect(r.checks[0].value).toBeNaN();
    expect(r.model.path).toBe('unknown model');
    expect(r.data.classes).toEqual([]);
  });

  test.each([
    [[1, 2], 'Expected an AuditReport or { reports: AuditReport[] } for the top level in f.json but received [1, 2]'],
    [{ reports: [] }, 'Expected at least one AuditReport for reports in f.json but received []'],
    [{ reports: [{ layers: 3, checks: [] }] }, 'Expected an array for reports[0].layers in f.json but received 3'],
    [{ layers: [{ name: 1 }], checks: [] }, 'Expected a string for layers[0].name in f.json but received 1'],
    [{ layers: [{ name: 'pool5', knn: { k: 5 } }], checks: [] }, 'Expected k-NN results { k, metric, purity, images } for layers[0].knn in f.json but received {"k":5}'],
    [{ layers: [], checks: [{ passed: 'yes' }] }, 'Expected a boolean for checks[0].passed in f.json but received "yes"'],
  ])('rejects %j', (json, message) => {
    expect(() => parseReports(json, 'f.json')).toThrow(message);
  });
});

describe('readReports', () => {
  test('a missing file, and a file that is not JSON', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sa-rf-'));
    try {
      await expect(readReports(path.join(dir, 'report.json'))).rejects.toMatchObject({ code: 'E_NO_REPORT', message: `No report at ${path.join(dir, 'report.json')}` });
      writeFileSync(path.join(dir, 'report.json'), '{ nope');
      await expect(readReports(path.join(dir, 'report.json'))).rejects.toThrow(`${path.join(dir, 'report.json')} is not JSON: `);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('pairWithBaseline', () => {
  test('pairs by model file name and data source; a lone pair always matches', () => {
    const a = makeReport({ layers: {}, modelPath: 'x/a.onnx', source: 'd1' });
    const b = makeReport({ layers: {}, modelPath: 'x/b.onnx', source: 'd1' });
    const b2 = makeReport({ layers: {}, modelPath: 'y/b.onnx', source: 'd1' });
    const c = makeReport({ layers: {}, modelPath: 'c.onnx', source: 'd2' });
    expect(pairWithBaseline([a, b], [b2, c])).toEqual([undefined, b2]);
    expect(pairWithBaseline([a], [c])).toEqual([c]);
  });
});
