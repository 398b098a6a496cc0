/** Builds small ONNX models in code for tests (real, runnable graphs). */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

export interface NodeSpec {
  name: string;
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: { name: string; i?: number; ints?: number[] }[];
}

export function tensor(name: string, dims: number[], values: number[]) {
  return { name, dims, dataType: FLOAT, floatData: values };
}

export function buildModel(spec: {
  input: { name: string; shape: (number | string)[]; elemType?: number };
  output: { name: string; shape: (number | string)[] };
  nodes: NodeSpec[];
  initializers?: ReturnType<typeof tensor>[];
  valueInfo?: { name: string; shape: (number | string)[] }[];
  metadata?: Record<string, string>;
}): Uint8Array {
  const vi = (name: string, shape: (number | string)[], elemType = FLOAT) => ({
    name,
    type: { tensorType: { elemType, shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
  return onnx.ModelProto.encode({
    irVersion: 7,
    producerName: 'test',
    opsetImport: [{ domain: '', version: 13 }],
    metadataProps: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: 'g',
      node: spec.nodes.map((n) => ({
        name: n.name,
        opType: n.op,
        input: n.inputs,
        output: n.outputs,
        attribute: (n.attrs ?? []).map((a) =>
          a.ints ? { name: a.name, type: onnx.AttributeProto.AttributeType.INTS, ints: a.ints } : { name: a.name, type: onnx.AttributeProto.AttributeType.INT, i: a.i },
        ),
      })),
      input: [vi(spec.input.name, spec.input.shape, spec.input.elemType)],
      output: [vi(spec.output.name, spec.output.shape)],
      initializer: spec.initializers ?? [],
      valueInfo: (spec.valueInfo ?? []).map((v) => vi(v.name, v.shape)),
    },
  }).finish();
}

/**
 * A tiny runnable "classifier" named like a PyTorch export:
 * input [N,C,H,W] -> /conv1/Relu -> /pool5/GlobalAveragePool -> /flatten/Flatten -> /fc/Gemm -> logits.
 * With `nhwc`, the input is [N,H,W,C] and a Transpose comes first.
 */
export function tinyClassifier(options: { channels?: number; size?: number | string; batch?: number | string; nhwc?: boolean; classes?: number } = {}): Uint8Array {
  const c = options.channels ?? 3;
  const s = options.size ?? 8;
  const b = options.batch ?? 'N';
  const nc = options.classes ?? 3;
  const nodes: NodeSpec[] = [];
  let x = 'input';
  if (options.nhwc) {
    nodes.push({ name: '/Transpose', op: 'Transpose', inputs: ['input'], outputs: ['/Transpose_output_0'], attrs: [{ name: 'perm', ints: [0, 3, 1, 2] }] });
    x = '/Transpose_output_0';
  }
  // A 1x1 "conv" as Mul by per-channel weights then Relu keeps the graph tiny but real.
  const w = Array.from({ length: c }, (_, i) => (i + 1) / c);
  nodes.push(
    { name: '/conv1/Mul', op: 'Mul', inputs: [x, 'conv1.weight'], outputs: ['/conv1/Mul_output_0'] },
    { name: '/conv1/Relu', op: 'Relu', inputs: ['/conv1/Mul_output_0'], outputs: ['/conv1/Relu_output_0'] },
    { name: '/pool5/GlobalAveragePool', op: 'GlobalAveragePool', inputs: ['/conv1/Relu_output_0'], outputs: ['/pool5/GlobalAveragePool_output_0'] },
    { name: '/flatten/Flatten', op: 'Flatten', inputs: ['/pool5/GlobalAveragePool_output_0'], outputs: ['/flatten/Flatten_output_0'], attrs: [{ name: 'axis', i: 1 }] },
    { name: '/fc/Gemm', op: 'Gemm', inputs: ['/flatten/Flatten_output_0', 'fc.weight', 'fc.bias'], outputs: ['logits'], attrs: [{ name: 'transB', i: 1 }] },
  );
  const inputShape = options.nhwc ? [b, s, s, c] : [b, c, s, s];
  return buildModel({
    input: { name: 'input', shape: inputShape },
    output: { name: 'logits', shape: [b, nc] },
    nodes,
    initializers: [
      tensor('conv1.weight', [1, c, 1, 1], w),
      tensor('fc.weight', [nc, c], Array.from({ length: nc * c }, (_, i) => ((i * 7) % 5) - 2)),
      tensor('fc.bias', [nc], Array.from({ length: nc }, () => 0)),
    ],
    valueInfo: [{ name: '/pool5/GlobalAveragePool_output_0', shape: [b, c, 1, 1] }],
  });
}
