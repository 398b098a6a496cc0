/**
 * @deprecated The result types live in `src/result/report.ts`; this re-export stays for the
 * modules not yet moved over (the Action's `run.ts` and `markdown.ts`). Import from
 * `../result/report.js`.
 */

export type * from '../result/report.js';
export { REPORT_SCHEMA_VERSION } from '../result/schema-version.js';
