/**
 * Reads an ONNX model's graph: its inputs, outputs, nodes and the tensor shapes the file records.
 * Uses the `onnx-proto` schema (IR version 8); fields of newer IR versions are ignored when
 * reading and are never lost, because semantic-audit never re-encodes the original model (see
 * {@link withExtraOutputs}).
 */

import onnxProto from 'onnx-proto';
import { AuditError } from '../errors.js';

const { onnx } = onnxProto;

/** A dimension: a number when fixed, a name (or null) when symbolic. */
export type Dim = number | string | null;

/** One tensor known to the graph. */
export interface TensorInfo {
  name: string;
  /** ONNX element type name, e.g. `FLOAT`; `UNKNOWN` when the file does not say. */
  elemType: string;
  /** Shape when recorded (graph input/output or value_info), else undefined. */
  shape?: Dim[];
}

/** One node of the graph, in file (topological) order. */
export interface GraphNode {
  /** Position in the graph's node list. */
  index: number;
  /** Node name, e.g. `/pool5/GlobalAveragePool` (may be empty in some exporters). */
  name: string;
  opType: string;
  inputs: string[];
  outputs: string[];
  /**
   * Attributes that layer selection reads: integers and lists as numbers, strings as strings, and
   * a tensor attribute (Constant's `value`) as its element type name.
   */
  attributes: Record<string, number | number[] | string>;
}

/** An initializer stored outside the model file (ONNX external data). */
export interface ExternalTensor {
  /** Initializer name. */
  tensor: string;
  /** File path relative to the model's directory, as the model records it. */
  location: string;
}

/** The parts of a model semantic-audit needs. */
export interface OnnxGraph {
  nodes: GraphNode[];
  /** Graph inputs that are not initializers (the real inputs). */
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** Shapes and types of intermediate tensors, from value_info. */
  valueInfo: Map<string, TensorInfo>;
  /** Names of initializers (weights). */
  initializers: Set<string>;
  /** Element type of each initializer (e.g. `FLOAT`, `INT64`). */
  initializerTypes: Map<string, string>;
  /** Initializers whose values live in separate files. */
  externalData: ExternalTensor[];
  /** Graph inputs that have a default value (an initializer of the same name). */
  defaultedInputs: TensorInfo[];
  /** metadata_props of the model. */
  metadata: Record<string, string>;
  opsetVersion?: number;
  producer?: string;
}

const ELEM_TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(onnx.TensorProto.DataType).map(([k, v]) => [v as number, k]),
);

function tensorInfo(vi: onnxProto.onnx.IValueInfoProto): TensorInfo {
  const tt = vi.type?.tensorType;
  const info: TensorInfo = { name: vi.name ?? '', elemType: tt?.elemType != null ? (ELEM_TYPE_NAMES[tt.elemType] ?? 'UNKNOWN') : 'UNKNOWN' };
  if (tt?.shape?.dim) {
    info.shape = tt.shape.dim.map((d) => {
      if (d.dimValue != null && Number(d.dimValue) > 0) return Number(d.dimValue);
      if (d.dimParam) return d.dimParam;
      return null;
    });
  }
  return info;
}

function readAttributes(attrs: onnxProto.onnx.IAttributeProto[]): Record<string, number | number[] | string> {
  const out: Record<string, number | number[] | string> = {};
  const A = onnx.AttributeProto.AttributeType;
  for (const a of attrs) {
    if (!a.name) continue;
    if (a.type === A.INT && a.i != null) out[a.name] = Number(a.i);
    else if (a.type === A.INTS) out[a.name] = (a.ints ?? []).map(Number);
    else if (a.type === A.FLOAT && a.f != null) out[a.name] = a.f;
    else if (a.type === A.STRING && a.s) out[a.name] = Buffer.from(a.s).toString('utf8');
    else if (a.type === A.TENSOR && a.t) out[a.name] = ELEM_TYPE_NAMES[a.t.dataType ?? 0] ?? 'UNKNOWN';
  }
  return out;
}

/**
 * Parses ONNX model bytes. Throws an {@link AuditError} naming `source` when the bytes are not an
 * ONNX model.
 */
export function parseOnnx(bytes: Uint8Array, source = 'model'): OnnxGraph {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new AuditError(`${source} is not an ONNX model (${(err as Error).message}). Export your network with torch.onnx.export or tf2onnx and pass the .onnx file.`, 'E_MODEL');
  }
  const graph = model.graph;
  if (!graph || !graph.node || graph.node.length === 0 || !graph.output || graph.output.length === 0) {
    throw new AuditError(`${source} is not an ONNX model: it has no graph with nodes and outputs. Pass the .onnx file exported from your network.`, 'E_MODEL');
  }
  const initializers = new Set<string>((graph.initializer ?? []).map((t) => t.name ?? ''));
  const initializerTypes = new Map<string, string>();
  const externalData: ExternalTensor[] = [];
  for (const t of graph.initializer ?? []) {
    initializerTypes.set(t.name ?? '', ELEM_TYPE_NAMES[t.dataType ?? 0] ?? 'UNKNOWN');
    if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
      const location = (t.externalData ?? []).find((e) => e.key === 'location')?.value ?? '';
      externalData.push({ tensor: t.name ?? '', location });
    }
  }
  const valueInfo = new Map<string, TensorInfo>();
  for (const vi of graph.valueInfo ?? []) valueInfo.set(vi.name ?? '', tensorInfo(vi));
  const inputs = (graph.input ?? []).filter((i) => !initializers.has(i.name ?? '')).map(tensorInfo);
  const outputs = (graph.output ?? []).map(tensorInfo);
  for (const t of [...inputs, ...outputs]) valueInfo.set(t.name, t);
  const nodes: GraphNode[] = graph.node.map((n, index) => ({
    index,
    name: n.name ?? '',
    opType: n.opType ?? '',
    inputs: [...(n.input ?? [])],
    outputs: [...(n.output ?? [])],
    attributes: readAttributes(n.attribute ?? []),
  }));
  const metadata: Record<string, string> = {};
  for (const p of model.metadataProps ?? []) if (p.key) metadata[p.key] = p.value ?? '';
  const opset = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  return {
    nodes,
    inputs,
    outputs,
    valueInfo,
    initializers,
    initializerTypes,
    externalData,
    defaultedInputs: (graph.input ?? []).filter((i) => initializers.has(i.name ?? '')).map(tensorInfo),
    metadata,
    opsetVersion: opset?.version != null ? Number(opset.version) : undefined,
    producer: model.producerName ? `${model.producerName} ${model.producerVersion ?? ''}`.trim() : undefined,
  };
}

/**
 * Returns model bytes that also output the given tensors (of unknown shape; typed when known).
 *
 * Protobuf merges a message that appears twice, and appends repeated fields, so appending an
 * encoded `ModelProto { graph { output: [...] } }` to the original bytes adds the outputs without
 * decoding and re-encoding the model: nothing the schema does not know is lost, and the weights
 * are not copied through JavaScript objects.
 */
export function withExtraOutputs(bytes: Uint8Array, graph: OnnxGraph, tensors: string[]): Uint8Array {
  const existing = new Set(graph.outputs.map((o) => o.name));
  const extra = tensors.filter((t, i) => !existing.has(t) && tensors.indexOf(t) === i);
  if (extra.length === 0) return bytes;
  const patch = onnx.ModelProto.encode({
    graph: {
      // The element type is declared when the file records it; otherwise left out, and onnxruntime
      // reports the tensor as it is (so an int64 shape tensor is refused as a layer, not the model).
      output: extra.map((name) => {
        const known = graph.valueInfo.get(name)?.elemType;
        const code = known ? (onnx.TensorProto.DataType as unknown as Record<string, number>)[known] : undefined;
        return code ? { name, type: { tensorType: { elemType: code } } } : { name };
      }),
    },
  }).finish();
  const out = new Uint8Array(bytes.length + patch.length);
  out.set(bytes, 0);
  out.set(patch, bytes.length);
  return out;
}

/**
 * Builds a one-node Gemm model computing `Y = A · Bᵀ` for float32 A (m x k) and B (n x k), or
 * with `transposeB: false`, `Y = A · B` for B (k x n).
 */
export function buildGemmModel(options: { transposeB?: boolean } = {}): Uint8Array {
  const transB = options.transposeB ?? true;
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const vi = (name: string, dims: string[]) => ({
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => ({ dimParam: d })) } } },
  });
  return onnx.ModelProto.encode({
    irVersion: 7,
    producerName: 'semantic-audit',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: transB ? 'gemm_abt' : 'gemm_ab',
      node: [{ name: 'gemm', opType: 'Gemm', input: ['A', 'B'], output: ['Y'], attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: transB ? 1 : 0 }] }],
      input: [vi('A', ['m', 'k']), transB ? vi('B', ['n', 'k']) : vi('B', ['k', 'n'])],
      output: [vi('Y', ['m', 'n'])],
    },
  }).finish();
}
