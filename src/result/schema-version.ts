/**
 * Versions of the `report.json` schema. A reader accepts every version in
 * {@link SUPPORTED_REPORT_SCHEMA_VERSIONS} and upgrades older reports in memory
 * (`upgradeReport`), so consumers only ever see the current shape.
 *
 * - 1: the first published shape.
 * - 2: adds `knn.images[i].majority` and `majorityCount` (the majority neighbour class, computed
 *   once by `majorityLabel`) and the optional `environment` (versions, platform, threads).
 */

/** Current `schemaVersion` of an `AuditReport` (and of a report bundle). */
export const REPORT_SCHEMA_VERSION = 2;

/** Every `schemaVersion` a reader of `report.json` accepts. */
export const SUPPORTED_REPORT_SCHEMA_VERSIONS: readonly number[] = [1, 2];
