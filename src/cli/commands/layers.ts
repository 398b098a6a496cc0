/** `semantic-audit layers <model.onnx>`: lists the layers a model offers. */

import { AuditError } from '../../errors.js';
import { listLayers, listModuleScopes, resolveLayer } from '../../model/layers.js';
import { loadModel } from '../../model/model.js';
import { formatTable } from '../args.js';
import type { CliIO } from '../io.js';
import { parseCommandArgs } from '../parse.js';

/** Help text of `semantic-audit layers`. */
export const LAYERS_HELP = `Usage: semantic-audit layers <model.onnx> [--json]

Lists every node of the model (name, op type, output tensors, shape where the file records it),
the module scopes usable as layer names (e.g. pool5), and what data, penultimate and logits
resolve to.`;

/** Runs `semantic-audit layers`; returns the exit code. */
export async function layersCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs('layers', argv, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const, true);
  if (values.help) {
    io.stdout.write(`${LAYERS_HELP}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new AuditError('Usage: semantic-audit layers <model.onnx>', 'E_USAGE');
  const model = await loadModel(positionals[0]);
  const layers = listLayers(model.graph);
  const specials = (['data', 'penultimate', 'logits'] as const).map((name) => {
    try {
      const r = resolveLayer(model.graph, name, model.label);
      return { name, tensor: r.tensor, shape: r.shape };
    } catch {
      return { name, tensor: null, shape: undefined };
    }
  });
  const modules = listModuleScopes(model.graph);
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ model: model.label, input: model.input, modules, special: specials, layers }, null, 2)}\n`);
    return 0;
  }
  const fmtShape = (s?: (number | string | null)[]) => (s ? `[${s.map((d) => d ?? '?').join(', ')}]` : '');
  io.stdout.write(`${model.label}: input ${model.input.name} ${fmtShape(model.input.shape)} (${model.input.layout})\n\n`);
  io.stdout.write(`${formatTable(['#', 'name', 'op', 'output', 'shape'], layers.map((l, i) => [String(i), l.name, l.opType, l.outputs.join(', '), fmtShape(l.shape)]))}\n\n`);
  io.stdout.write(`Modules (usable as layer names, in network order): ${modules.join(', ')}\n`);
  for (const s of specials) io.stdout.write(`${s.name.padEnd(12)} -> ${s.tensor ?? '(none)'} ${fmtShape(s.shape)}\n`);
  return 0;
}
