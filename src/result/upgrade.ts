/**
 * Reading reports of every supported schema version: older reports are upgraded in memory to the
 * current shape, so that consumers (the HTML report, the comparison, the PR comment) read one
 * shape and never recompute a derived fact themselves. Pure: no I/O.
 */

import { AuditError, describeValue } from '../errors.js';
import { majorityLabel } from '../metrics/purity.js';
import type { AuditReport, ImageNeighbors } from './report.js';
import { REPORT_SCHEMA_VERSION, SUPPORTED_REPORT_SCHEMA_VERSIONS } from './schema-version.js';

/**
 * Checks a `schemaVersion` read from `where` (a file, or a file and field) and returns it. A
 * missing version counts as 1 (the first reports); a newer one than this semantic-audit knows, or
 * a value that is not one, is an {@link AuditError} (`E_REPORT`).
 */
export function checkReportSchemaVersion(version: unknown, where: string): number {
  if (version === undefined) return 1;
  if (typeof version === 'number' && SUPPORTED_REPORT_SCHEMA_VERSIONS.includes(version)) return version;
  const upgrade = typeof version === 'number' && version > REPORT_SCHEMA_VERSION ? ' It was written by a newer semantic-audit: upgrade semantic-audit to read it.' : '';
  throw new AuditError(
    `Expected schemaVersion ${SUPPORTED_REPORT_SCHEMA_VERSIONS.join(' or ')} in ${where} but received ${describeValue(version)}.${upgrade}`,
    'E_REPORT',
  );
}

/** The majority fields of one image, read from the report or (schema 1) derived from its neighbour labels. */
function withMajority(im: ImageNeighbors): ImageNeighbors {
  if (typeof im.majority === 'string' && typeof im.majorityCount === 'number') return im;
  const labels = Array.isArray(im.neighborLabels) ? im.neighborLabels : [];
  const m = majorityLabel(labels);
  return { ...im, majority: m.first < 0 ? '' : labels[m.first], majorityCount: m.count };
}

/**
 * A report of any supported schema version in the current shape: schema-1 reports get each
 * image's `majority` and `majorityCount` (by the one tie rule of `majorityLabel`) and the current
 * `schemaVersion`. A current report is returned as it is. `where` names the source in errors.
 *
 * @throws AuditError (`E_REPORT`) for an unsupported `schemaVersion`
 */
export function upgradeReport<T extends AuditReport>(report: T, where = 'the report'): T {
  const version = checkReportSchemaVersion(report.schemaVersion, where);
  if (version === REPORT_SCHEMA_VERSION) return report;
  const layers = Array.isArray(report.layers)
    ? report.layers.map((l) => (l && l.knn && Array.isArray(l.knn.images) ? { ...l, knn: { ...l.knn, images: l.knn.images.map(withMajority) } } : l))
    : report.layers;
  return { ...report, schemaVersion: REPORT_SCHEMA_VERSION, layers };
}
