import { describe, expect, it } from 'vitest';
import { fakeReport } from '../baseline/fake-report.js';
import type { AuditReport } from '../../src/result/report.js';
import { checkReportSchemaVersion, upgradeReport } from '../../src/result/upgrade.js';

/** A schema-1 report: no majority fields. */
function v1(): AuditReport {
  const r = fakeReport({ layers: [{ name: 'pool5', images: [['a.png', 'cat', ['dog', 'cat', 'cat', 'dog']], ['b.png', 'dog', ['cat', 'dog', 'dog', 'dog']]] }] });
  for (const im of r.layers[0].knn.images) {
    delete (im as Partial<typeof im>).majority;
    delete (im as Partial<typeof im>).majorityCount;
  }
  return { ...r, schemaVersion: 1 };
}

describe('upgradeReport', () => {
  it('gives a schema-1 report each image\'s majority class by the one tie rule (nearest class wins a tie)', () => {
    const old = v1();
    const r = upgradeReport(old);
    expect(r.schemaVersion).toBe(2);
    expect(r.layers[0].knn.images.map((im) => [im.majority, im.majorityCount])).toEqual([
      ['dog', 2],
      ['dog', 3],
    ]);
    expect(old.layers[0].knn.images[0].majority).toBeUndefined();
  });

  it('returns a current report as it is', () => {
    const r = fakeReport({ layers: [{ name: 'pool5', images: [['a.png', 'cat', ['cat']]] }] });
    expect(upgradeReport(r)).toBe(r);
  });

  it('refuses a newer or a malformed schema version, naming the source', () => {
    expect(() => upgradeReport({ ...v1(), schemaVersion: 3 }, 'base/report.json')).toThrow(
      'Expected schemaVersion 1 or 2 in base/report.json but received 3. It was written by a newer semantic-audit: upgrade semantic-audit to read it.',
    );
    expect(() => checkReportSchemaVersion('2', 'r.json')).toThrow('Expected schemaVersion 1 or 2 in r.json but received "2".');
    expect(checkReportSchemaVersion(undefined, 'r.json')).toBe(1);
  });
});
