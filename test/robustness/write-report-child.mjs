// Child process of report-dir.test.ts: writes the report in argv[3] to argv[4] (once, or in a
// loop with `loop`), each time with a new createdAt, using the built package (dist/). With
// `slow`, the child prints `op <call>` before every file-system call of the writer and waits
// 10 ms before making it, so that the parent can kill it at a chosen point of the write phase
// (temporary directory, files, manifest, lock, swap, clean-up).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [, , repo, reportFile, out, generation, loop, slow] = process.argv;
const { writeReportDirectory } = await import(pathToFileURL(path.join(repo, 'dist/src/report/write-report.js')).href);
const { nodeOutputFs } = await import(pathToFileURL(path.join(repo, 'dist/src/output/output-fs.js')).href);
const pause = () => new Promise((r) => setTimeout(r, 10));
const fs =
  slow === 'slow'
    ? Object.fromEntries(
        Object.entries(nodeOutputFs).map(([name, call]) => [
          name,
          async (...args) => {
            process.stdout.write(`op ${name}\n`);
            await pause();
            return call(...args);
          },
        ]),
      )
    : nodeOutputFs;
const report = JSON.parse(readFileSync(reportFile, 'utf8'));
for (let i = 0; ; i++) {
  // A distinct, valid timestamp per write: generation g, write i.
  report.createdAt = new Date(Date.UTC(2030, 0, 1) + Number(generation) * 1e6 + i * 1000).toISOString();
  await writeReportDirectory(report, out, { png: true, fs });
  process.stdout.write(`${report.createdAt}\n`);
  if (loop !== 'loop') break;
}
