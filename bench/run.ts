/**
 * `npm run bench [-- name ...]`: runs the named benchmarks (default: all) and prints ratios
 * against a peer measured in the same process. Names: knn, pipeline, tsne.
 */

import { pathToFileURL } from 'node:url';
import { runKnnBench } from './knn.js';
import { runPipelineBench } from './pipeline.js';

const BENCHES: Record<string, (argv: string[]) => Promise<unknown>> = {
  knn: runKnnBench,
  pipeline: runPipelineBench,
  tsne: async (argv) => {
    const mod = (await import(pathToFileURL(new URL('./tsne.js', import.meta.url).pathname).href)) as { runTsneBench: (a: string[]) => Promise<unknown> };
    return mod.runTsneBench(argv);
  },
};

const args = process.argv.slice(2);
const names = args.filter((a) => !a.startsWith('--'));
const flags = args.filter((a) => a.startsWith('--'));
const selected = names.length > 0 ? names : Object.keys(BENCHES);
for (const n of selected) {
  const bench = BENCHES[n];
  if (!bench) {
    console.error(`Unknown benchmark ${JSON.stringify(n)}; available: ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
  await bench(flags);
}
