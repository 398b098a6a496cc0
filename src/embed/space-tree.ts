/**
 * A quadtree (2-D) or octree (3-D) over embedding points, stored in flat typed arrays in
 * depth-first order for Barnes-Hut summation.
 *
 * Each node is a square (cube) cell that owns a contiguous range `[start, end)` of the permuted
 * point order `perm`; its children follow it directly and `skip[node]` is the first node after its
 * subtree, so a traversal is a single loop (`node = skip[node]` to prune, `node + 1` to descend)
 * with no stack. Cells with at most `leafSize` points, or deeper than `maxDepth` (duplicates),
 * are leaves; their points are visited one by one when a leaf is too close to summarise.
 */

/** The tree (see the module comment). All per-node arrays have `numNodes` valid entries. */
export interface SpaceTree {
  readonly dims: 2 | 3;
  readonly numNodes: number;
  /** Points in tree order. */
  readonly perm: Int32Array;
  /** Position of each point in `perm`. */
  readonly position: Int32Array;
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly skip: Int32Array;
  readonly isLeaf: Uint8Array;
  /** Side length of each cell. */
  readonly width: Float64Array;
  /** Centre of mass of each cell's points, `numNodes x dims`. */
  readonly centerOfMass: Float64Array;
}

/** Options of {@link buildSpaceTree}. */
export interface SpaceTreeOptions {
  /** Largest leaf. @default 1 */
  leafSize?: number;
  /** Deepest level (cells of identical points stop splitting here). @default 40 */
  maxDepth?: number;
}

/** Builds the tree over `n` points of `y` (n x dims row-major). O(N log N). */
export function buildSpaceTree(y: Float64Array, n: number, dims: 2 | 3, options: SpaceTreeOptions = {}): SpaceTree {
  const leafSize = options.leafSize ?? 1;
  const maxDepth = options.maxDepth ?? 40;
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < dims; c++) {
      const v = y[i * dims + c];
      if (v < lo[c]) lo[c] = v;
      if (v > hi[c]) hi[c] = v;
    }
  }
  let side = 0;
  for (let c = 0; c < dims; c++) side = Math.max(side, hi[c] - lo[c]);
  side = side * (1 + 1e-9) + 1e-12;
  const center = [0, 0, 0];
  for (let c = 0; c < dims; c++) center[c] = (lo[c] + hi[c]) / 2;

  let cap = Math.max(16, 2 * n);
  let start = new Int32Array(cap);
  let end = new Int32Array(cap);
  let skip = new Int32Array(cap);
  let isLeaf = new Uint8Array(cap);
  let width = new Float64Array(cap);
  let com = new Float64Array(cap * dims);
  let numNodes = 0;

  const grow = () => {
    cap *= 2;
    const g32 = (a: Int32Array) => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    start = g32(start);
    end = g32(end);
    skip = g32(skip);
    const l = new Uint8Array(cap);
    l.set(isLeaf);
    isLeaf = l;
    const w = new Float64Array(cap);
    w.set(width);
    width = w;
    const m = new Float64Array(cap * dims);
    m.set(com);
    com = m;
  };

  /** Moves points with coordinate c < split to the front of [s, e); returns the boundary. */
  const partition = (s: number, e: number, c: number, split: number): number => {
    let a = s;
    let b = e - 1;
    while (a <= b) {
      if (y[perm[a] * dims + c] < split) a++;
      else {
        const t = perm[a];
        perm[a] = perm[b];
        perm[b] = t;
        b--;
      }
    }
    return a;
  };

  const build = (s: number, e: number, cx: number, cy: number, cz: number, size: number, depth: number): void => {
    if (numNodes === cap) grow();
    const node = numNodes++;
    start[node] = s;
    end[node] = e;
    width[node] = size;
    const count = e - s;
    if (count <= leafSize || depth >= maxDepth) {
      isLeaf[node] = 1;
      for (let c = 0; c < dims; c++) {
        let sum = 0;
        for (let p = s; p < e; p++) sum += y[perm[p] * dims + c];
        com[node * dims + c] = sum / count;
      }
      skip[node] = numNodes;
      return;
    }
    isLeaf[node] = 0;
    const half = size / 2;
    const q = size / 4;
    // Children in order (x<, y<, z<), (x<, y<, z>=), ... by nested partitions.
    const ranges: number[] = [];
    const mx = partition(s, e, 0, cx);
    const xs = [s, mx, e];
    for (let a = 0; a < 2; a++) {
      const my = partition(xs[a], xs[a + 1], 1, cy);
      const ys = [xs[a], my, xs[a + 1]];
      for (let b = 0; b < 2; b++) {
        if (dims === 2) ranges.push(ys[b], ys[b + 1]);
        else {
          const mz = partition(ys[b], ys[b + 1], 2, cz);
          ranges.push(ys[b], mz, mz, ys[b + 1]);
        }
      }
    }
    const children = ranges.length / 2;
    const sum = [0, 0, 0];
    for (let ch = 0; ch < children; ch++) {
      const cs = ranges[2 * ch];
      const ce = ranges[2 * ch + 1];
      if (ce <= cs) continue;
      const a = dims === 2 ? ch >> 1 : ch >> 2;
      const b = dims === 2 ? ch & 1 : (ch >> 1) & 1;
      const g = dims === 2 ? 0 : ch & 1;
      const child = numNodes;
      build(cs, ce, cx + (a ? q : -q), cy + (b ? q : -q), cz + (g ? q : -q), half, depth + 1);
      for (let c = 0; c < dims; c++) sum[c] += com[child * dims + c] * (ce - cs);
    }
    for (let c = 0; c < dims; c++) com[node * dims + c] = sum[c] / count;
    skip[node] = numNodes;
  };

  if (n > 0) build(0, n, center[0], center[1], center[2], side, 0);
  const position = new Int32Array(n);
  for (let p = 0; p < n; p++) position[perm[p]] = p;
  return { dims, numNodes, perm, position, start, end, skip, isLeaf, width, centerOfMass: com };
}
