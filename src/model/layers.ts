/**
 * Layers of an ONNX graph and how a user names them.
 *
 * A name resolves, in this order, as: the special names `data` (the preprocessed model input:
 * pixel space, MATLAB's `data` layer), `logits` (the input of a final Softmax, else the first
 * graph output), `probabilities` (the output of a final Softmax) and `penultimate` (the input of
 * the final Gemm/MatMul classifier); an exact tensor name; a node name; or a module scope (`pool5`
 * is the last output inside the `/pool5/` scope, as PyTorch names exported nodes).
 *
 * Only float32 tensors are layers: shape and index tensors (int64), booleans and fp16 tensors are
 * refused when the file, or the op that makes them, says what they are.
 */

import { AuditError } from '../errors.js';
import type { GraphNode, OnnxGraph, Dim } from './onnx-graph.js';

/** One entry of `semantic-audit layers`. */
export interface LayerInfo {
  /** Node name (or its first output when unnamed). */
  name: string;
  opType: string;
  outputs: string[];
  /** Shape of the first output when the file records it. */
  shape?: Dim[];
  /** Module scope path, e.g. `layer1/layer1.0`, or '' for top-level nodes. */
  scope: string;
}

/** A requested layer resolved to one tensor. */
export interface ResolvedLayer {
  /** The name as requested. */
  name: string;
  /** The tensor whose values are the layer's features (the model input for `data`). */
  tensor: string;
  /** How it was resolved. */
  kind: 'data' | 'logits' | 'probabilities' | 'penultimate' | 'tensor' | 'node' | 'scope';
  /** Graph position of the producing node (-1 for the input), used for network order. */
  order: number;
  opType: string;
  shape?: Dim[];
}

/** Special layer names. */
export const SPECIAL_LAYERS = ['data', 'penultimate', 'logits', 'probabilities'] as const;

function scopeSegments(nodeName: string): string[] {
  // "/layer1/layer1.0/conv1/Conv" -> ["layer1", "layer1.0", "conv1"] (the last segment is the op).
  const parts = nodeName.split('/').filter((p) => p !== '');
  return parts.slice(0, -1);
}

/** Lists every node with its outputs, in graph order. */
export function listLayers(graph: OnnxGraph): LayerInfo[] {
  return graph.nodes.map((n) => ({
    name: n.name || n.outputs[0] || `node_${n.index}`,
    opType: n.opType,
    outputs: n.outputs,
    shape: graph.valueInfo.get(n.outputs[0])?.shape,
    scope: scopeSegments(n.name).join('/'),
  }));
}

/**
 * Top-level module scopes in network order (e.g. conv1, layer1, ..., pool5, fc): what
 * `--layers all` sweeps, between `data` and `logits`.
 */
export function listModuleScopes(graph: OnnxGraph): string[] {
  const lastIndex = new Map<string, number>();
  for (const n of graph.nodes) {
    const seg = scopeSegments(n.name);
    if (seg.length > 0) lastIndex.set(seg[0], n.index);
  }
  return [...lastIndex.entries()].sort((a, b) => a[1] - b[1]).map(([s]) => s);
}

function producerOf(graph: OnnxGraph): Map<string, GraphNode> {
  const m = new Map<string, GraphNode>();
  for (const n of graph.nodes) for (const o of n.outputs) m.set(o, n);
  return m;
}

function findPenultimate(graph: OnnxGraph): { tensor: string; node: GraphNode } | undefined {
  // Walk back from the logits through the nodes they depend on; the first Gemm or MatMul reached
  // (the classifier) gives its non-weight input.
  const producers = producerOf(graph);
  const seen = new Set<string>();
  const queue = [logitsTensor(graph, producers)];
  while (queue.length > 0) {
    const t = queue.shift()!;
    if (seen.has(t)) continue;
    seen.add(t);
    const node = producers.get(t);
    if (!node) continue;
    if (node.opType === 'Gemm' || node.opType === 'MatMul') {
      const input = node.inputs.find((i) => !graph.initializers.has(i) && i !== '');
      if (input) return { tensor: input, node };
    }
    for (const i of node.inputs) if (!graph.initializers.has(i)) queue.push(i);
  }
  return undefined;
}

/** Every name {@link resolveLayer} accepts, for suggestions. */
export function knownLayerNames(graph: OnnxGraph): string[] {
  const names = new Set<string>(SPECIAL_LAYERS);
  for (const n of graph.nodes) {
    if (n.name) names.add(n.name);
    for (const o of n.outputs) names.add(o);
    const seg = scopeSegments(n.name);
    for (let i = 1; i <= seg.length; i++) names.add(seg.slice(0, i).join('/'));
    for (const s of seg) names.add(s);
  }
  return [...names];
}

/** Levenshtein distance (case-insensitive). */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[y.length];
}

/** The `count` known names closest to `name` (substring matches first, then edit distance). */
export function closestNames(name: string, candidates: string[], count = 5): string[] {
  const lower = name.toLowerCase();
  return candidates
    .map((c) => ({ c, score: (c.toLowerCase().includes(lower) || lower.includes(c.toLowerCase()) ? 0 : 100) + editDistance(name, c) + c.length / 1000 }))
    .sort((a, b) => a.score - b.score)
    .slice(0, count)
    .map((x) => x.c);
}

/** The graph output's final Softmax node, when the output is one. */
function finalSoftmax(graph: OnnxGraph, producers = producerOf(graph)): GraphNode | undefined {
  const node = producers.get(graph.outputs[0].name);
  return node && node.opType === 'Softmax' && node.inputs[0] ? node : undefined;
}

/** The logits: the input of a final Softmax, else the first graph output. */
function logitsTensor(graph: OnnxGraph, producers = producerOf(graph)): string {
  return finalSoftmax(graph, producers)?.inputs[0] ?? graph.outputs[0].name;
}

/** Ops whose outputs are int64 whatever their inputs. */
const INT64_OPS = new Set(['Shape', 'Size', 'NonZero', 'ArgMax', 'ArgMin', 'NonMaxSuppression']);
/** Ops whose outputs are booleans. */
const BOOL_OPS = new Set(['Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf']);
/** Ops whose output has the type of their first input (data movement and arithmetic). */
const SAME_TYPE_OPS = new Set(['Gather', 'GatherElements', 'Unsqueeze', 'Squeeze', 'Concat', 'Reshape', 'Slice', 'Identity', 'Flatten', 'Transpose', 'Expand', 'Tile', 'Add', 'Sub', 'Mul', 'Div', 'Neg', 'Abs', 'ReduceProd', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'Max', 'Min', 'Range']);

/**
 * Element type of a tensor (`FLOAT`, `INT64`, ...): as the file records it, else as the op that
 * makes it implies (Shape is int64, Cast says, a Gather of int64 is int64), else `UNKNOWN`.
 */
export function tensorElemType(graph: OnnxGraph, tensor: string): string {
  const memo = new Map<string, string>();
  const producers = producerOf(graph);
  const typeOf = (t: string, depth: number): string => {
    const known = graph.valueInfo.get(t)?.elemType ?? graph.initializerTypes.get(t);
    if (known && known !== 'UNKNOWN') return known;
    if (memo.has(t)) return memo.get(t)!;
    memo.set(t, 'UNKNOWN');
    const node = producers.get(t);
    let type = 'UNKNOWN';
    if (node && depth < 200) {
      const a = node.attributes;
      if (INT64_OPS.has(node.opType) || (node.opType === 'TopK' && node.outputs[1] === t)) type = 'INT64';
      else if (BOOL_OPS.has(node.opType)) type = 'BOOL';
      else if (node.opType === 'Cast' && typeof a.to === 'number') type = ELEM_TYPE_BY_CODE[a.to] ?? 'UNKNOWN';
      else if (node.opType === 'Constant' && typeof a.value === 'string') type = a.value;
      else if (node.opType === 'ConstantOfShape') type = typeof a.value === 'string' ? a.value : 'FLOAT';
      else if (SAME_TYPE_OPS.has(node.opType) && node.inputs[0]) type = typeOf(node.inputs[0], depth + 1);
    }
    memo.set(t, type);
    return type;
  };
  return typeOf(tensor, 0);
}

/** ONNX TensorProto.DataType codes (stable across versions) for Cast's `to`. */
const ELEM_TYPE_BY_CODE: Record<number, string> = { 1: 'FLOAT', 2: 'UINT8', 3: 'INT8', 4: 'UINT16', 5: 'INT16', 6: 'INT32', 7: 'INT64', 8: 'STRING', 9: 'BOOL', 10: 'FLOAT16', 11: 'DOUBLE', 12: 'UINT32', 13: 'UINT64', 16: 'BFLOAT16' };

/**
 * Likely meanings of names that other tools and architectures use, for suggestions on graphs
 * that lack them (`pool5` on a graph without a `pool5` scope suggests `penultimate`).
 */
const ALIASES: Record<string, (typeof SPECIAL_LAYERS)[number]> = {
  pool5: 'penultimate', pool: 'penultimate', avgpool: 'penultimate', gap: 'penultimate', pooled: 'penultimate', features: 'penultimate', embedding: 'penultimate', fc7: 'penultimate', flatten: 'penultimate',
  fc: 'logits', fc8: 'logits', classifier: 'logits', head: 'logits', output: 'logits', scores: 'logits', dense: 'logits',
  prob: 'probabilities', probs: 'probabilities', softmax: 'probabilities', predictions: 'probabilities',
  input: 'data', image: 'data', pixels: 'data',
};

/** The special name a user most likely meant by `name`, when it is an alias listed above. */
export function aliasFor(name: string): (typeof SPECIAL_LAYERS)[number] | undefined {
  return ALIASES[name.toLowerCase().replace(/[^a-z0-9]/g, '')];
}

/** Resolves a user's layer name; unknown names fail with the closest valid names. */
export function resolveLayer(graph: OnnxGraph, name: string, modelLabel = 'the model'): ResolvedLayer {
  const r = resolveName(graph, name, modelLabel);
  if (r.kind !== 'data') {
    const type = tensorElemType(graph, r.tensor);
    if (type !== 'FLOAT' && type !== 'UNKNOWN') {
      throw new AuditError(
        `Layer ${JSON.stringify(name)} of ${modelLabel} is the ${type.toLowerCase()} tensor ${r.tensor} (output of ${r.opType}); semantic-audit compares float32 activations. ` +
          `Pick a float32 layer (for example penultimate, or one listed by: semantic-audit layers <model.onnx>).`,
        'E_LAYER',
      );
    }
  }
  return r;
}

function resolveName(graph: OnnxGraph, name: string, modelLabel: string): ResolvedLayer {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new AuditError(`Expected a layer name (a tensor, node or module name, or data, penultimate, logits, probabilities) but received ${JSON.stringify(name)}`, 'E_LAYER');
  }
  const input = graph.inputs[0];
  const shapeOf = (t: string) => graph.valueInfo.get(t)?.shape;
  if (name === 'data') return { name, tensor: input.name, kind: 'data', order: -1, opType: 'Input', shape: input.shape };
  const producers = producerOf(graph);
  if (name === 'logits') {
    const out = logitsTensor(graph, producers);
    return { name, tensor: out, kind: 'logits', order: producers.get(out)?.index ?? graph.nodes.length, opType: producers.get(out)?.opType ?? 'Output', shape: shapeOf(out) };
  }
  if (name === 'probabilities') {
    const softmax = finalSoftmax(graph, producers);
    if (!softmax) {
      throw new AuditError(`${modelLabel} does not end in a Softmax, so "probabilities" is undefined; its output ${graph.outputs[0].name} is what "logits" names.`, 'E_LAYER');
    }
    const out = softmax.outputs[0];
    return { name, tensor: out, kind: 'probabilities', order: softmax.index, opType: 'Softmax', shape: shapeOf(out) };
  }
  if (name === 'penultimate') {
    const p = findPenultimate(graph);
    if (!p) throw new AuditError(`${modelLabel} has no final Gemm or MatMul classifier, so "penultimate" is undefined. Name the layer explicitly (see: semantic-audit layers <model>).`, 'E_LAYER');
    const prod = producers.get(p.tensor);
    return { name, tensor: p.tensor, kind: 'penultimate', order: prod?.index ?? -1, opType: prod?.opType ?? 'Input', shape: shapeOf(p.tensor) };
  }
  const byTensor = producers.get(name);
  if (byTensor) return { name, tensor: name, kind: 'tensor', order: byTensor.index, opType: byTensor.opType, shape: shapeOf(name) };
  const byNode = graph.nodes.find((n) => n.name === name);
  if (byNode && byNode.outputs.length > 0) {
    return { name, tensor: byNode.outputs[0], kind: 'node', order: byNode.index, opType: byNode.opType, shape: shapeOf(byNode.outputs[0]) };
  }
  // Module scope: a scope path that starts with the requested segments (a top-level module such
  // as the stem's `conv1`) wins; otherwise the segments may appear anywhere in the path
  // (`layer1.0` inside `/layer1/layer1.0/`).
  const want = name.split('/').filter((s) => s !== '');
  const matchesAt = (seg: string[], i: number) => want.every((w, j) => seg[i + j] === w);
  let last: GraphNode | undefined;
  for (const n of graph.nodes) {
    const seg = scopeSegments(n.name);
    if (seg.length >= want.length && matchesAt(seg, 0)) last = n;
  }
  if (!last) {
    for (const n of graph.nodes) {
      const seg = scopeSegments(n.name);
      for (let i = 1; i + want.length <= seg.length; i++) {
        if (matchesAt(seg, i)) {
          last = n;
          break;
        }
      }
    }
  }
  if (last && last.outputs.length > 0) {
    return { name, tensor: last.outputs[0], kind: 'scope', order: last.index, opType: last.opType, shape: shapeOf(last.outputs[0]) };
  }
  const alias = aliasFor(name);
  let hint = '';
  if (alias) {
    try {
      const target = resolveName(graph, alias, modelLabel);
      hint = ` Did you mean ${alias} (${target.tensor})?`;
    } catch {
      // the alias is undefined on this graph too: no hint
    }
  }
  const suggestions = closestNames(name, knownLayerNames(graph).filter((n) => n !== alias));
  throw new AuditError(
    `Unknown layer ${JSON.stringify(name)} in ${modelLabel}.${hint} Closest: ${suggestions.join(', ')}. List all layers with: semantic-audit layers <model.onnx>`,
    'E_LAYER',
  );
}

/** Ops that change the spatial resolution when strided (or always, for global pooling). */
const STRIDED_OPS = new Set(['Conv', 'MaxPool', 'AveragePool', 'LpPool', 'ConvInteger', 'QLinearConv']);
const GLOBAL_POOL_OPS = new Set(['GlobalAveragePool', 'GlobalMaxPool', 'GlobalLpPool']);

function downsamples(node: GraphNode): boolean {
  if (GLOBAL_POOL_OPS.has(node.opType)) return true;
  if (node.opType === 'Resize' || node.opType === 'Upsample' || node.opType === 'SpaceToDepth' || node.opType === 'DepthToSpace') return true;
  if (!STRIDED_OPS.has(node.opType)) return false;
  const strides = node.attributes.strides;
  // MaxPool/AveragePool without strides default to stride 1 (ONNX); their kernel still shrinks
  // the map only at the borders, which is not a change of scale.
  return Array.isArray(strides) && strides.some((s) => s > 1);
}

/**
 * The main path of the network: tensors every path from the input to the output goes through
 * (the graph's cut points), in network order. ONNX lists nodes in topological order, so a
 * tensor is a cut when, right after the node that makes it, it is the only input-derived tensor
 * that later nodes (or the outputs) still read.
 */
export function mainPathTensors(graph: OnnxGraph): string[] {
  const derived = new Set<string>(graph.inputs.map((i) => i.name));
  const lastUse = new Map<string, number>();
  graph.nodes.forEach((n) => n.inputs.forEach((t) => lastUse.set(t, n.index)));
  for (const o of graph.outputs) lastUse.set(o.name, Number.POSITIVE_INFINITY);
  const live = new Set<string>(graph.inputs.map((i) => i.name));
  const cuts: string[] = [];
  for (const n of graph.nodes) {
    if (!n.inputs.some((t) => derived.has(t))) continue; // constants and weight arithmetic
    for (const o of n.outputs) if (o) derived.add(o);
    for (const o of n.outputs) if (o && lastUse.has(o)) live.add(o);
    for (const t of [...live]) if ((lastUse.get(t) ?? -1) <= n.index) live.delete(t);
    if (live.size === 1 && n.outputs.includes([...live][0])) cuts.push([...live][0]);
  }
  return cuts;
}

/** Top-level layer list (`--layers top`): `data`, the top-level module scopes, then `logits`. */
export function topLayers(graph: OnnxGraph): string[] {
  return dedupeByTensor(graph, ['data', ...listModuleScopes(graph), 'logits']);
}

/** Keeps the first name of each tensor (and drops names that do not resolve to a float tensor). */
function dedupeByTensor(graph: OnnxGraph, names: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const name of names) {
    let tensor: string;
    try {
      tensor = resolveLayer(graph, name).tensor;
    } catch {
      continue;
    }
    if (!seen.has(tensor)) out.push(name);
    seen.add(tensor);
  }
  return out;
}

/** Child scopes (one level down) of a top-level scope, in network order, with their node counts. */
function childScopes(graph: OnnxGraph, scope: string): { name: string; nodes: number }[] {
  const last = new Map<string, { index: number; nodes: number }>();
  for (const n of graph.nodes) {
    const seg = scopeSegments(n.name);
    if (seg.length >= 2 && seg[0] === scope) {
      const e = last.get(seg[1]) ?? { index: 0, nodes: 0 };
      last.set(seg[1], { index: n.index, nodes: e.nodes + 1 });
    }
  }
  return [...last.entries()].sort((a, b) => a[1].index - b[1].index).map(([name, e]) => ({ name, nodes: e.nodes }));
}

/**
 * The layers `--layers all` sweeps, in network order, `data` first and `logits` last.
 *
 * - Graphs with module scopes (PyTorch exports): the top-level modules, and in place of a
 *   container whose children are blocks (two or more child scopes of three or more nodes on
 *   average, like ResNet's `layer1` of `layer1.0`, `layer1.1`, ...) its children.
 * - Graphs without (fewer than three top-level scopes): the main-path tensor just before each
 *   change of resolution (a strided convolution or pooling, a global pooling), the pooled tensor
 *   (unless `penultimate` is just its reshape), `penultimate` and `logits`.
 */
export function sweepLayers(graph: OnnxGraph): string[] {
  const scopes = listModuleScopes(graph);
  if (scopes.length >= 3) {
    const names: string[] = ['data'];
    for (const s of scopes) {
      const children = childScopes(graph, s);
      const blocks = children.length >= 2 && children.reduce((a, c) => a + c.nodes, 0) / children.length >= 3;
      if (blocks) names.push(...children.map((c) => shortestScopeName(graph, s, c.name)));
      else names.push(s);
    }
    names.push('penultimate', 'logits');
    return sortByOrder(graph, dedupeByTensor(graph, names));
  }
  const cuts = mainPathTensors(graph);
  const cutSet = new Set(cuts);
  const producers = producerOf(graph);
  const names: string[] = ['data'];
  let lastCut: string | undefined;
  let pooled: string | undefined;
  for (const n of graph.nodes) {
    if (downsamples(n) && lastCut) names.push(nameOfTensor(producers, lastCut));
    if (GLOBAL_POOL_OPS.has(n.opType) && cutSet.has(n.outputs[0])) pooled = n.outputs[0];
    for (const o of n.outputs) if (cutSet.has(o)) lastCut = o;
  }
  // The pooled tensor, unless the penultimate is only its reshape (the same values).
  const penultimate = findPenultimate(graph);
  const reshaped = penultimate ? producers.get(penultimate.tensor) : undefined;
  const sameValues = reshaped && ['Flatten', 'Reshape', 'Squeeze'].includes(reshaped.opType) && reshaped.inputs[0] === pooled;
  if (pooled && !sameValues) names.push(nameOfTensor(producers, pooled));
  names.push('penultimate', 'logits');
  return sortByOrder(graph, dedupeByTensor(graph, names));
}

/** A node's name when it names that tensor (its first output), else the tensor's name. */
function nameOfTensor(producers: Map<string, GraphNode>, tensor: string): string {
  const node = producers.get(tensor);
  return node && node.name && node.outputs[0] === tensor ? node.name : tensor;
}

/** `layer1.0` when it resolves to the same tensor as `layer1/layer1.0`, else the full path. */
function shortestScopeName(graph: OnnxGraph, parent: string, child: string): string {
  const full = `${parent}/${child}`;
  try {
    return resolveName(graph, child, '').tensor === resolveName(graph, full, '').tensor ? child : full;
  } catch {
    return full;
  }
}

function sortByOrder(graph: OnnxGraph, names: string[]): string[] {
  const order = new Map(names.map((n) => [n, resolveLayer(graph, n).order]));
  return [...names].sort((a, b) => order.get(a)! - order.get(b)!);
}

/**
 * Expands `all` to a sweep of the network in order (see {@link sweepLayers}) and `top` to the
 * top-level modules (see {@link topLayers}), and removes duplicates.
 */
export function expandLayerNames(graph: OnnxGraph, layers: string[], _modelLabel = 'the model'): string[] {
  const out: string[] = [];
  for (const l of layers) {
    if (l === 'all') out.push(...sweepLayers(graph));
    else if (l === 'top') out.push(...topLayers(graph));
    else out.push(l);
  }
  return [...new Set(out)];
}
