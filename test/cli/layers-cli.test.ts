import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runCli } from '../helpers/cli.js';

const PLAIN = path.join(REPO, 'fixtures/models/plain-bgr/model.onnx');
const RESNET = path.join(REPO, 'fixtures/models/fmnist-resnet.onnx');
const reference = JSON.parse(await readFile(path.join(REPO, 'fixtures/reference/plain-bgr.json'), 'utf8')) as {
  tensorShapes: Record<string, { elemType: string; shape: (number | string)[] | null }>;
  configs: { model: { firstQueryPenultimate: number[][]; firstQueryProbabilities: number[][] } };
};
// ONNX shape inference cannot follow the Reshape to a computed shape; PyTorch's outputs give these.
const torchShapes: Record<string, string> = {
  'flatten:0': `[N, ${reference.configs.model.firstQueryPenultimate[0].length}]`,
  'dense:0': `[N, ${reference.configs.model.firstQueryProbabilities[0].length}]`,
};

describe('semantic-audit layers', () => {
  it('lists the computing nodes of a scope-less graph with shapes measured by one run, and explains the empty modules list', () => {
    const r = runCli(['layers', PLAIN]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${PLAIN}: input input_1 [N, 3, 32, 64] (NCHW), output softmax:0 [N, 5]`);
    expect(r.stdout).toContain('Shapes: measured by running one batch of zeros (the file records none)');
    // Every node's row carries the type and shape ONNX shape inference (Python) gives.
    for (const [tensor, ref] of Object.entries(reference.tensorShapes)) {
      const type = ref.elemType === 'FLOAT' ? 'float32' : ref.elemType.toLowerCase();
      const shape = ref.shape ? `[${ref.shape.join(', ')}]` : torchShapes[tensor];
      const row = r.stdout.split('\n').find((l) => /^\d+\s/.test(l) && l.split(/\s+/).includes(tensor));
      expect([tensor, row?.trim().split(/\s{2,}/).slice(-2)]).toEqual([tensor, [type, shape]]);
    }
    expect(r.stdout).toContain('Modules: none. Node names carry no /module/ scopes');
    expect(r.stdout).toMatch(/penultimate\s+-> flatten:0 \[N, 48\]/);
    expect(r.stdout).toMatch(/logits\s+-> dense:0 \[N, 5\]/);
    expect(r.stdout).toMatch(/probabilities -> softmax:0 \[N, 5\]/);
    expect(r.stdout).toContain('--layers all: data, re_lu, re_lu_1, re_lu_2, max_pooling2d, penultimate, logits\n');
    expect(r.stdout).toContain('--layers top: data, logits\n');
  });

  it('hides constant nodes unless --all, and gives JSON', () => {
    const plainRows = (args: string[]) => runCli(['layers', ...args]).stdout.split('\n').filter((l) => /^\d+\s/.test(l)).length;
    expect(plainRows([RESNET])).toBe(22);
    const json = JSON.parse(runCli(['layers', PLAIN, '--json']).stdout);
    expect(json.shapes).toBe('measured');
    expect(json.modules).toEqual([]);
    expect(json.sweep.all).toHaveLength(7);
    expect(json.layers.find((l: { name: string }) => l.name === 'Shape__7')).toMatchObject({ elemType: 'int64', shape: [4] });
  });

  it('shows the scoped ResNet with recorded shapes and its modules', () => {
    const r = runCli(['layers', RESNET]);
    expect(r.stdout).toContain('Shapes: as recorded in the file.');
    expect(r.stdout).toContain('Modules (usable as layer names, in network order): conv1, relu, layer1, layer2, layer3, pool5, flatten, fc');
    expect(r.stdout).toMatch(/probabilities -> \(none: .*does not end in a Softmax\)/);
    expect(r.stdout).toContain('--layers all: data, conv1, relu, layer1, layer2, layer3, pool5, flatten, fc\n');
  });
});
