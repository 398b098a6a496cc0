// Child process of report-dir.test.ts: writes the report in argv[3] to argv[4] (once, or in a
// loop with `loop`), each time with a new createdAt, using the built package (dist/).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [, , repo, reportFile, out, generation, loop] = process.argv;
const { writeReportDirectory } = await import(pathToFileURL(path.join(repo, 'dist/src/report/write-report.js')).href);
const report = JSON.parse(readFileSync(reportFile, 'utf8'));
for (let i = 0; ; i++) {
  // A distinct, valid timestamp per write: generation g, write i.
  report.createdAt = new Date(Date.UTC(2030, 0, 1) + Number(generation) * 1e6 + i * 1000).toISOString();
  await writeReportDirectory(report, out, { png: true });
  process.stdout.write(`${report.createdAt}\n`);
  if (loop !== 'loop') break;
}
