/**
 * Layers of an ONNX graph and how a user names them.
 *
 * A name resolves, in this order, as: the special names `data` (the preprocessed model input:
 * pixel space, MATLAB's `data` layer), `logits` (the first graph output) and `penultimate` (the
 * input of the final Gemm/MatMul classifier); an exact tensor name; a node name; or a module
 * scope (`pool5` is the last output inside the `/pool5/` scope, as PyTorch names exported nodes).
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
  kind: 'data' | 'logits' | 'penultimate' | 'tensor' | 'node' | 'scope';
  /** Graph position of the producing node (-1 for the input), used for network order. */
  order: number;
  opType: string;
  shape?: Dim[];
}

/** Special layer names. */
export const SPECIAL_LAYERS = ['data', 'penultimate', 'logits'] as const;

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
  // Walk back from the first graph output through the nodes it depends on; the first Gemm or
  // MatMul reached (the classifier) gives its non-weight input.
  const producers = producerOf(graph);
  const seen = new Set<string>();
  const queue = [graph.outputs[0].name];
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

/** Resolves a user's layer name; unknown names fail with the closest valid names. */
export function resolveLayer(graph: OnnxGraph, name: string, modelLabel = 'the model'): ResolvedLayer {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new AuditError(`Expected a layer name (a tensor, node or module name, or data, penultimate, logits) but received ${JSON.stringify(name)}`, 'E_LAYER');
  }
  const input = graph.inputs[0];
  const shapeOf = (t: string) => graph.valueInfo.get(t)?.shape;
  if (name === 'data') return { name, tensor: input.name, kind: 'data', order: -1, opType: 'Input', shape: input.shape };
  const producers = producerOf(graph);
  if (name === 'logits') {
    const out = graph.outputs[0].name;
    return { name, tensor: out, kind: 'logits', order: producers.get(out)?.index ?? graph.nodes.length, opType: producers.get(out)?.opType ?? 'Output', shape: shapeOf(out) };
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
  const suggestions = closestNames(name, knownLayerNames(graph));
  throw new AuditError(
    `Unknown layer ${JSON.stringify(name)} in ${modelLabel}. Closest: ${suggestions.join(', ')}. List all layers with: semantic-audit layers <model.onnx>`,
    'E_LAYER',
  );
}

/**
 * Expands `all` to every module of the network in order (data, modules, logits) and removes
 * duplicates; modules whose last output is the same tensor (fc and logits) appear once.
 */
export function expandLayerNames(graph: OnnxGraph, layers: string[], modelLabel = 'the model'): string[] {
  const out: string[] = [];
  for (const l of layers) {
    if (l === 'all') {
      const seen = new Set<string>();
      for (const name of ['data', ...listModuleScopes(graph), 'logits']) {
        const tensor = resolveLayer(graph, name, modelLabel).tensor;
        if (!seen.has(tensor)) out.push(name);
        seen.add(tensor);
      }
    } else out.push(l);
  }
  return [...new Set(out)];
}
