/**
 * The model's layer graph as a shard records it: enough of the ONNX graph (nodes with their
 * names, op types, inputs and outputs in file order, the graph inputs and outputs, recorded
 * tensor shapes and initializer names) for `audit --from` to resolve layer names (`all`, module
 * scopes, node and tensor names, `penultimate`) exactly as a run on the model file would, without
 * the weights. Model metadata is left out: the shard records the preprocessing it implied.
 */

import type { GraphNode, OnnxGraph, TensorInfo } from '../model/onnx-graph.js';

/** One node: its position in the list is its index in the model's graph. */
export interface ShardGraphNode {
  name: string;
  opType: string;
  inputs: string[];
  outputs: string[];
  /** The node's attributes that layer selection reads (strides, Cast's `to`), when it has any. */
  attributes?: GraphNode['attributes'];
}

/** The JSON-safe layer graph of a shard manifest (see {@link shardGraph}). */
export interface ShardGraph {
  nodes: ShardGraphNode[];
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** Recorded types and shapes of tensors (the graph's value_info, inputs and outputs). */
  valueInfo: TensorInfo[];
  /** Names of the initializers (weights): the classifier search skips them. */
  initializers: string[];
  /** Element types of the initializers (absent in shards written before they were recorded). */
  initializerTypes?: Record<string, string>;
  opsetVersion?: number;
  producer?: string;
}

/** The layer graph of `graph`, for a shard manifest. */
export function shardGraph(graph: OnnxGraph): ShardGraph {
  const g: ShardGraph = {
    nodes: graph.nodes.map((n) => ({ name: n.name, opType: n.opType, inputs: [...n.inputs], outputs: [...n.outputs], ...(Object.keys(n.attributes).length > 0 ? { attributes: n.attributes } : {}) })),
    inputs: graph.inputs.map((t) => ({ ...t })),
    outputs: graph.outputs.map((t) => ({ ...t })),
    valueInfo: [...graph.valueInfo.values()].map((t) => ({ ...t })),
    initializers: [...graph.initializers],
    initializerTypes: Object.fromEntries(graph.initializerTypes),
  };
  if (graph.opsetVersion !== undefined) g.opsetVersion = graph.opsetVersion;
  if (graph.producer !== undefined) g.producer = graph.producer;
  return g;
}

/** The {@link OnnxGraph} a shard recorded (no metadata), for resolving layer names. */
export function graphFromShard(g: ShardGraph): OnnxGraph {
  return {
    nodes: g.nodes.map((n, index): GraphNode => ({ index, name: n.name, opType: n.opType, inputs: [...n.inputs], outputs: [...n.outputs], attributes: { ...(n.attributes ?? {}) } })),
    inputs: g.inputs.map((t) => ({ ...t })),
    outputs: g.outputs.map((t) => ({ ...t })),
    valueInfo: new Map(g.valueInfo.map((t) => [t.name, { ...t }])),
    initializers: new Set(g.initializers),
    initializerTypes: new Map(Object.entries(g.initializerTypes ?? {})),
    externalData: [],
    defaultedInputs: [],
    metadata: {},
    opsetVersion: g.opsetVersion,
    producer: g.producer,
  };
}
