/**
 * `semantic-audit/reporter`: the Vitest reporter that writes the HTML audit report.
 * Default export and named export are the same class.
 */

import { SemanticAuditReporter } from './semantic-audit-reporter.js';

export { SemanticAuditReporter, type SemanticAuditReporterOptions } from './semantic-audit-reporter.js';
export { writeReportDirectory, type WriteReportOptions, type WrittenReport } from '../src/report/write-report.js';
export default SemanticAuditReporter;
