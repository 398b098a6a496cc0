/**
 * Worker-thread side of {@link createGradientPool}: computes attractive and Barnes-Hut repulsive
 * forces for a range of points, or a phase of the FFT repulsion, into shared memory. Every worker builds the same tree from the same
 * shared positions, so results do not depend on how points are split between threads.
 */

import { parentPort, workerData } from 'node:worker_threads';
import type { SparseAffinities } from './affinities.js';
import { attractiveForces } from './attraction.js';
import { BH_LEAF_SIZE, barnesHutRange } from './barnes-hut.js';
import { FftRepulsionEngine } from './fft-repulsion.js';
import { buildSpaceTree } from './space-tree.js';
import type { GradientTask, GradientWorkerData } from './worker-pool.js';

const data = workerData as GradientWorkerData;
const P: SparseAffinities = {
  n: data.n,
  rowPtr: new Int32Array(data.rowPtr),
  cols: new Int32Array(data.cols),
  values: new Float64Array(data.values),
};
const y = new Float64Array(data.y);
const attr = new Float64Array(data.attr);
const rep = new Float64Array(data.rep);
const zParts = new Float64Array(data.zParts);
const fft = data.fft ? new FftRepulsionEngine(data.n, {}, data.fft) : undefined;

parentPort?.on('message', (task: GradientTask) => {
  if (task.repulsion) {
    const tree = buildSpaceTree(y, data.n, data.dims, { leafSize: BH_LEAF_SIZE });
    barnesHutRange(tree, y, rep, zParts, data.theta, task.repulsion[0], task.repulsion[1]);
  }
  if (task.fft && fft) {
    fft.state.grids = task.fft.grids;
    const [a, b] = task.fft.range;
    if (task.fft.phase === 1) fft.spread(a, b);
    else if (task.fft.phase === 2) fft.columns(a, b);
    else fft.interpolate(a, b);
  }
  if (task.attraction) attractiveForces(P, y, data.dims, attr, task.attraction[0], task.attraction[1]);
  parentPort?.postMessage('done');
});
parentPort?.postMessage('ready');
