/**
 * Barnes-Hut approximation of the t-SNE repulsion (van der Maaten 2014, §4.2): a cell whose side
 * s and distance d from the point (to the cell's centre of mass) satisfy s / d < θ is treated as
 * one particle of mass `count` at its centre of mass. θ = 0 is exact; θ = 0.5 is the usual
 * compromise. Uses the full cell side, as scikit-learn and openTSNE do (bhtsne uses the half side,
 * i.e. a looser test at equal θ). Leaves hold up to {@link BH_LEAF_SIZE} points, visited exactly when
 * the leaf is too close to summarise. Cost O(N log N) per evaluation.
 */

import { buildSpaceTree, type SpaceTree } from './space-tree.js';

/** Points per tree leaf: small leaves are cheaper to visit exactly than to subdivide. */
export const BH_LEAF_SIZE = 32;

/** Fills `rep` with Σ_j w_ij² (y_i - y_j) and returns Z, by Barnes-Hut (see the module comment). */
export function barnesHutRepulsion(y: Float64Array, n: number, dims: 2 | 3, rep: Float64Array, theta = 0.5, leafSize = BH_LEAF_SIZE): number {
  const zParts = new Float64Array(n);
  barnesHutRange(buildSpaceTree(y, n, dims, { leafSize }), y, rep, zParts, theta, 0, n);
  let z = 0;
  for (let i = 0; i < n; i++) z += zParts[i];
  return z;
}

/**
 * Barnes-Hut repulsion of the points at tree positions [start, end) (`tree.perm[start..end)`) on a
 * prebuilt tree: fills their rows of `rep` and `zParts[i] = Σ_{j≠i} w_ij` (Z is the sum of
 * `zParts` in index order, so splitting the positions between threads gives bitwise the same
 * result). Points are visited in tree order, so consecutive traversals touch the same nodes, and
 * leaves read coordinates copied into tree order: both keep the memory accesses local.
 */
export function barnesHutRange(tree: SpaceTree, y: Float64Array, rep: Float64Array, zParts: Float64Array, theta: number, start: number, end: number): void {
  if (tree.dims === 2) repulsion2d(tree, y, rep, zParts, theta, start, end);
  else repulsion3d(tree, y, rep, zParts, theta, start, end);
}

/**
 * Node data interleaved for locality: per node [com..., side², count] as floats and
 * [start, end, skip, leaf] as integers.
 */
function pack(tree: SpaceTree): { f: Float64Array; i: Int32Array; stride: number } {
  const { numNodes, dims, centerOfMass, width, start, end, skip, isLeaf } = tree;
  const stride = dims + 2;
  const f = new Float64Array(numNodes * stride);
  const iv = new Int32Array(numNodes * 4);
  for (let k = 0; k < numNodes; k++) {
    for (let c = 0; c < dims; c++) f[k * stride + c] = centerOfMass[k * dims + c];
    f[k * stride + dims] = width[k] * width[k];
    f[k * stride + dims + 1] = end[k] - start[k];
    iv[4 * k] = start[k];
    iv[4 * k + 1] = end[k];
    iv[4 * k + 2] = skip[k];
    iv[4 * k + 3] = isLeaf[k];
  }
  return { f, i: iv, stride };
}

/** Coordinates in tree order: row p holds point perm[p]. */
function treeOrder(tree: SpaceTree, y: Float64Array): Float64Array {
  const { perm, dims } = tree;
  const n = perm.length;
  const out = new Float64Array(n * dims);
  for (let p = 0; p < n; p++) for (let c = 0; c < dims; c++) out[p * dims + c] = y[perm[p] * dims + c];
  return out;
}

function repulsion2d(tree: SpaceTree, y: Float64Array, rep: Float64Array, zParts: Float64Array, theta: number, start: number, end: number): void {
  const { numNodes, perm } = tree;
  const { f, i: iv } = pack(tree);
  const ys = treeOrder(tree, y);
  const theta2 = theta * theta;
  for (let pos = start; pos < end; pos++) {
    const i = perm[pos];
    const xi = ys[2 * pos];
    const yi = ys[2 * pos + 1];
    let fx = 0;
    let fy = 0;
    let zi = 0;
    let node = 0;
    while (node < numNodes) {
      const fo = 4 * node;
      const dx = xi - f[fo];
      const dy = yi - f[fo + 1];
      const d2 = dx * dx + dy * dy;
      const s = iv[fo];
      const e = iv[fo + 1];
      if (f[fo + 2] < theta2 * d2 && (pos < s || pos >= e)) {
        const q = 1 / (1 + d2);
        const m = f[fo + 3];
        zi += m * q;
        const mq2 = m * q * q;
        fx += mq2 * dx;
        fy += mq2 * dy;
        node = iv[fo + 2];
      } else if (iv[fo + 3] === 1) {
        for (let p = s; p < e; p++) {
          if (p === pos) continue;
          const ex = xi - ys[2 * p];
          const ey = yi - ys[2 * p + 1];
          const q = 1 / (1 + ex * ex + ey * ey);
          zi += q;
          const q2 = q * q;
          fx += q2 * ex;
          fy += q2 * ey;
        }
        node = iv[fo + 2];
      } else node++;
    }
    rep[2 * i] = fx;
    rep[2 * i + 1] = fy;
    zParts[i] = zi;
  }
}

function repulsion3d(tree: SpaceTree, y: Float64Array, rep: Float64Array, zParts: Float64Array, theta: number, start: number, end: number): void {
  const { numNodes, perm } = tree;
  const { f, i: iv } = pack(tree);
  const ys = treeOrder(tree, y);
  const theta2 = theta * theta;
  for (let pos = start; pos < end; pos++) {
    const i = perm[pos];
    const xi = ys[3 * pos];
    const yi = ys[3 * pos + 1];
    const zc = ys[3 * pos + 2];
    let fx = 0;
    let fy = 0;
    let fz = 0;
    let zi = 0;
    let node = 0;
    while (node < numNodes) {
      const fo = 5 * node;
      const io = 4 * node;
      const dx = xi - f[fo];
      const dy = yi - f[fo + 1];
      const dz = zc - f[fo + 2];
      const d2 = dx * dx + dy * dy + dz * dz;
      const s = iv[io];
      const e = iv[io + 1];
      if (f[fo + 3] < theta2 * d2 && (pos < s || pos >= e)) {
        const q = 1 / (1 + d2);
        const m = f[fo + 4];
        zi += m * q;
        const mq2 = m * q * q;
        fx += mq2 * dx;
        fy += mq2 * dy;
        fz += mq2 * dz;
        node = iv[io + 2];
      } else if (iv[io + 3] === 1) {
        for (let p = s; p < e; p++) {
          if (p === pos) continue;
          const ex = xi - ys[3 * p];
          const ey = yi - ys[3 * p + 1];
          const ez = zc - ys[3 * p + 2];
          const q = 1 / (1 + ex * ex + ey * ey + ez * ez);
          zi += q;
          const q2 = q * q;
          fx += q2 * ex;
          fy += q2 * ey;
          fz += q2 * ez;
        }
        node = iv[io + 2];
      } else node++;
    }
    rep[3 * i] = fx;
    rep[3 * i + 1] = fy;
    rep[3 * i + 2] = fz;
    zParts[i] = zi;
  }
}
