/** `semantic-audit layers <model.onnx>`: lists the layers a model offers. */

import { AuditError } from '../../errors.js';
import { SPECIAL_LAYERS, listLayers, listModuleScopes, resolveLayer, sweepLayers, tensorElemType, topLayers } from '../../model/layers.js';
import { loadModel } from '../../model/model.js';
import type { Dim } from '../../model/onnx-graph.js';
import { type MeasuredTensor, hasAllShapes, measureTensorShapes } from '../../model/tensor-shapes.js';
import { formatTable, parseSize } from '../args.js';
import type { CliIO } from '../io.js';
import { parseCommandArgs } from '../parse.js';

/** Help text of `semantic-audit layers`. */
export const LAYERS_HELP = `Usage: semantic-audit layers <model.onnx> [--all] [--size HxW] [--json]

Lists the nodes of the model that compute on the image (name, op type, output tensor, element
type and shape), the module scopes usable as layer names (e.g. pool5), what data, penultimate,
logits and probabilities resolve to, and what --layers all and --layers top audit. When the file
records no shapes, they are measured by running the model once on a batch of zeros.

Options:
  --all          also list constant and weight-only nodes
  --size <HxW>   input size for measuring shapes, when the model's is dynamic
  --json         machine-readable output`;

/** Ops that only produce constants. */
const CONSTANT_OPS = new Set(['Constant', 'ConstantOfShape']);

/** Runs `semantic-audit layers`; returns the exit code. */
export async function layersCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs('layers', argv, { json: { type: 'boolean' }, all: { type: 'boolean' }, size: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const, true);
  if (values.help) {
    io.stdout.write(`${LAYERS_HELP}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new AuditError('Usage: semantic-audit layers <model.onnx>', 'E_USAGE');
  const model = await loadModel(positionals[0]);
  const graph = model.graph;
  const size = parseSize(values.size);
  const [height, width] = size === undefined ? [undefined, undefined] : typeof size === 'number' ? [size, size] : size;

  // Shapes: as recorded, else measured by one run (when the input size is known).
  let measured: Map<string, MeasuredTensor> | undefined;
  let shapeNote: string;
  if (hasAllShapes(model)) shapeNote = 'Shapes: as recorded in the file.';
  else if ((model.input.height ?? height) !== undefined && (model.input.width ?? width) !== undefined) {
    measured = await measureTensorShapes(model, { height, width });
    shapeNote = `Shapes: measured by running one batch of zeros (the file records ${graph.valueInfo.size > graph.inputs.length + graph.outputs.length ? 'only some' : 'none'}); the first dimension is that batch.`;
  } else shapeNote = 'Shapes: not recorded in the file; pass --size HxW to measure them.';
  // A measured float tensor's first dimension is the batch that was run: shown as the input's.
  const batchDim = model.input.shape[0];
  const shapeOf = (t: string): Dim[] | undefined => {
    const recorded = graph.valueInfo.get(t)?.shape;
    if (recorded) return recorded;
    const m = measured?.get(t);
    if (!m) return undefined;
    return m.type === 'float32' && m.dims.length >= 2 && model.input.batch === undefined ? [batchDim, ...m.dims.slice(1)] : m.dims;
  };
  const typeOf = (t: string): string => measured?.get(t)?.type ?? ortTypeName(tensorElemType(graph, t));

  // Nodes that compute on the image: they read the input or an output of such a node.
  const derived = new Set(graph.inputs.map((i) => i.name));
  const useful = new Set<number>();
  for (const n of graph.nodes) {
    if (!CONSTANT_OPS.has(n.opType) && n.inputs.some((i) => derived.has(i))) {
      useful.add(n.index);
      for (const o of n.outputs) derived.add(o);
    }
  }
  const rows = listLayers(graph)
    .map((l, index) => ({ ...l, index }))
    .filter((l) => values.all || useful.has(l.index));
  const modules = listModuleScopes(graph);
  const specials = SPECIAL_LAYERS.map((name) => {
    try {
      const r = resolveLayer(graph, name, model.label);
      return { name, tensor: r.tensor as string | null, shape: shapeOf(r.tensor) ?? r.shape, note: '' };
    } catch (err) {
      return { name, tensor: null, shape: undefined, note: (err as Error).message };
    }
  });
  const sweep = sweepLayers(graph);
  const top = topLayers(graph);
  const modulesNote =
    modules.length > 0
      ? `Modules (usable as layer names, in network order): ${modules.join(', ')}`
      : 'Modules: none. Node names carry no /module/ scopes (PyTorch exports name nodes /layer1/Conv; other exporters do not), so name layers by node or tensor name, or with the special names below.';

  if (values.json) {
    const layers = rows.map((l) => ({ ...l, elemType: typeOf(l.outputs[0] ?? ''), shape: shapeOf(l.outputs[0] ?? '') }));
    io.stdout.write(`${JSON.stringify({ model: model.label, input: model.input, shapes: measured ? 'measured' : hasAllShapes(model) ? 'recorded' : 'unknown', modules, special: specials, sweep: { all: sweep, top }, layers }, null, 2)}\n`);
    return 0;
  }
  const fmtShape = (s?: Dim[]) => (s ? `[${s.map((d) => d ?? '?').join(', ')}]` : '');
  const out = graph.outputs[0];
  io.stdout.write(`${model.label}: input ${model.input.name} ${fmtShape(model.input.shape)} (${model.input.layout}), output ${out.name} ${fmtShape(shapeOf(out.name) ?? out.shape)}\n`);
  if (graph.defaultedInputs.length > 0) io.stdout.write(`Inputs with default values (left to their defaults): ${graph.defaultedInputs.map((i) => i.name).join(', ')}\n`);
  io.stdout.write(`${shapeNote}\n\n`);
  io.stdout.write(
    `${formatTable(
      ['#', 'name', 'op', 'output', 'type', 'shape'],
      rows.map((l) => {
        const o = l.outputs[0] ?? '';
        return [String(l.index), l.name, l.opType, l.outputs.join(', '), typeOf(o), fmtShape(shapeOf(o))];
      }),
    )}\n`,
  );
  const hidden = graph.nodes.length - rows.length;
  if (hidden > 0) io.stdout.write(`(${hidden} constant or weight-only nodes not shown; --all lists them)\n`);
  io.stdout.write(`\n${modulesNote}\n`);
  for (const s of specials) io.stdout.write(`${s.name.padEnd(13)} -> ${s.tensor ?? `(none: ${s.note.split(';')[0].split(', so')[0]})`} ${fmtShape(s.shape)}\n`.replace(/ +\n$/, '\n'));
  io.stdout.write(`\n--layers all: ${sweep.join(', ')}\n--layers top: ${top.join(', ')}\n`);
  return 0;
}

/** ONNX element type name as onnxruntime names it (`FLOAT` -> `float32`). */
function ortTypeName(t: string): string {
  const names: Record<string, string> = { FLOAT: 'float32', DOUBLE: 'float64', FLOAT16: 'float16', BFLOAT16: 'bfloat16', INT64: 'int64', INT32: 'int32', INT8: 'int8', UINT8: 'uint8', BOOL: 'bool', STRING: 'string' };
  return names[t] ?? (t === 'UNKNOWN' ? '?' : t.toLowerCase());
}
