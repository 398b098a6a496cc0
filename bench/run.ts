/**
 * `npm run bench [-- name ...]`: runs the named benchmarks (default: all) and prints ratios
 * against a peer measured in the same process. Default: knn, pipeline, cache, label-issues, tsne;
 * scale (all of Fashion-MNIST), audit-2000 (issue 18's goals 3 and 4), tsne-peers (scikit-learn and Rtsne, minutes) and
 * separation-bootstrap (the cost of a Davies-Bouldin / Calinski-Harabasz interval) only when named.
 */

import { pathToFileURL } from 'node:url';
import { runAudit2000Bench } from './audit-2000.js';
import { runCacheBench } from './cache.js';
import { runKnnBench } from './knn.js';
import { runLabelIssuesBench } from './label-issues.js';
import { runPipelineBench } from './pipeline.js';
import { runScaleBench } from './scale.js';
import { runSeparationBootstrapBench } from './separation-bootstrap.js';

const BENCHES: Record<string, (argv: string[]) => Promise<unknown>> = {
  knn: runKnnBench,
  pipeline: runPipelineBench,
  cache: runCacheBench,
  'label-issues': runLabelIssuesBench,
  tsne: async (argv) => {
    const mod = (await import(pathToFileURL(new URL('./tsne.js', import.meta.url).pathname).href)) as { runTsneBench: (a: string[]) => Promise<unknown> };
    return mod.runTsneBench(argv);
  },
};

/** Long-running benchmarks (all 70,000 Fashion-MNIST images) run only when named. */
const ON_REQUEST: Record<string, (argv: string[]) => Promise<unknown>> = {
  scale: runScaleBench,
  'audit-2000': runAudit2000Bench,
  'separation-bootstrap': runSeparationBootstrapBench,
  'tsne-peers': async (argv) => {
    const mod = (await import(pathToFileURL(new URL('./tsne-peers.js', import.meta.url).pathname).href)) as { runTsnePeersBench: (a: string[]) => Promise<unknown> };
    return mod.runTsnePeersBench(argv);
  },
};

const args = process.argv.slice(2);
const names = args.filter((a) => !a.startsWith('--'));
const flags = args.filter((a) => a.startsWith('--'));
const selected = names.length > 0 ? names : Object.keys(BENCHES);
for (const n of selected) {
  const bench = BENCHES[n] ?? ON_REQUEST[n];
  if (!bench) {
    console.error(`Unknown benchmark ${JSON.stringify(n)}; available: ${[...Object.keys(BENCHES), ...Object.keys(ON_REQUEST)].join(', ')}`);
    process.exit(2);
  }
  await bench(flags);
}
