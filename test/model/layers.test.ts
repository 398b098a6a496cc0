import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { parseOnnx, withExtraOutputs } from '../../src/model/onnx-graph.js';
import { closestNames, listLayers, listModuleScopes, resolveLayer } from '../../src/model/layers.js';
import { buildModel, tinyClassifier } from '../helpers/onnx-builder.js';

const graph = parseOnnx(tinyClassifier(), 'tiny.onnx');

describe('resolveLayer', () => {
  it('resolves the special names', () => {
    expect(resolveLayer(graph, 'data')).toMatchObject({ tensor: 'input', kind: 'data', order: -1 });
    expect(resolveLayer(graph, 'logits')).toMatchObject({ tensor: 'logits', kind: 'logits', opType: 'Gemm' });
    expect(resolveLayer(graph, 'penultimate')).toMatchObject({ tensor: '/flatten/Flatten_output_0', kind: 'penultimate' });
  });
  it('resolves a module scope to its last output, a node name and an exact tensor', () => {
    expect(resolveLayer(graph, 'pool5')).toMatchObject({ tensor: '/pool5/GlobalAveragePool_output_0', kind: 'scope', shape: ['N', 3, 1, 1] });
    expect(resolveLayer(graph, 'conv1')).toMatchObject({ tensor: '/conv1/Relu_output_0', kind: 'scope' });
    expect(resolveLayer(graph, '/conv1/Mul')).toMatchObject({ tensor: '/conv1/Mul_output_0', kind: 'node' });
    expect(resolveLayer(graph, '/conv1/Mul_output_0')).toMatchObject({ tensor: '/conv1/Mul_output_0', kind: 'tensor' });
  });
  it('resolves nested scopes like layer1/layer1.0', () => {
    const g = parseOnnx(
      buildModel({
        input: { name: 'x', shape: ['N', 3, 4, 4] },
        output: { name: 'y', shape: ['N', 3, 4, 4] },
        nodes: [
          { name: '/layer1/layer1.0/conv1/Conv', op: 'Relu', inputs: ['x'], outputs: ['a'] },
          { name: '/layer1/layer1.0/Relu_1', op: 'Relu', inputs: ['a'], outputs: ['b'] },
          { name: '/layer1/layer1.1/Relu', op: 'Relu', inputs: ['b'], outputs: ['y'] },
        ],
      }),
    );
    expect(resolveLayer(g, 'layer1').tensor).toBe('y');
    expect(resolveLayer(g, 'layer1/layer1.0').tensor).toBe('b');
    expect(resolveLayer(g, 'layer1.0').tensor).toBe('b');
    expect(listModuleScopes(g)).toEqual(['layer1']);
  });
  it('fails on an unknown name with the closest valid names and the way out', () => {
    expect(() => resolveLayer(graph, 'pool4', 'tiny.onnx')).toThrow(
      'Unknown layer "pool4" in tiny.onnx. Closest: pool5, conv1, fc, data, logits. List all layers with: semantic-audit layers <model.onnx>',
    );
  });
  it('explains a missing classifier for penultimate', () => {
    const g = parseOnnx(buildModel({ input: { name: 'x', shape: ['N', 3, 4, 4] }, output: { name: 'y', shape: ['N', 3, 4, 4] }, nodes: [{ name: 'r', op: 'Relu', inputs: ['x'], outputs: ['y'] }] }), 'm.onnx');
    expect(() => resolveLayer(g, 'penultimate', 'm.onnx')).toThrow('m.onnx has no final Gemm or MatMul classifier, so "penultimate" is undefined.');
  });
});

describe('listing', () => {
  it('lists nodes with op types, outputs and known shapes, and modules in order', () => {
    const layers = listLayers(graph);
    expect(layers.map((l) => l.opType)).toEqual(['Mul', 'Relu', 'GlobalAveragePool', 'Flatten', 'Gemm']);
    expect(layers[2]).toMatchObject({ name: '/pool5/GlobalAveragePool', scope: 'pool5', shape: ['N', 3, 1, 1] });
    expect(listModuleScopes(graph)).toEqual(['conv1', 'pool5', 'flatten', 'fc']);
  });
  it('ranks suggestions by substring then edit distance', () => {
    expect(closestNames('pol5', ['fc', 'pool5', 'conv1'], 2)).toEqual(['pool5', 'fc']);
  });
});

describe('withExtraOutputs', () => {
  it('appends outputs without re-encoding the original bytes, and onnxruntime merges them', async () => {
    const bytes = tinyClassifier();
    const patched = withExtraOutputs(bytes, graph, ['/pool5/GlobalAveragePool_output_0', 'logits', '/conv1/Relu_output_0']);
    expect(Buffer.from(patched.subarray(0, bytes.length)).equals(Buffer.from(bytes))).toBe(true);
    const session = await ort.InferenceSession.create(patched);
    expect(session.outputNames).toEqual(['logits', '/pool5/GlobalAveragePool_output_0', '/conv1/Relu_output_0']);
    const x = new ort.Tensor('float32', Float32Array.from({ length: 2 * 3 * 8 * 8 }, (_, i) => (i % 7) - 3), [2, 3, 8, 8]);
    const out = await session.run({ input: x });
    expect(out['/pool5/GlobalAveragePool_output_0'].dims).toEqual([2, 3, 1, 1]);
    expect(out['/conv1/Relu_output_0'].dims).toEqual([2, 3, 8, 8]);
  });
});

describe('module scopes shadowed by nested ones', () => {
  it('prefers the top-level module conv1 over /layer3/layer3.0/conv1', () => {
    const g = parseOnnx(
      buildModel({
        input: { name: 'x', shape: ['N', 3, 4, 4] },
        output: { name: 'y', shape: ['N', 3, 4, 4] },
        nodes: [
          { name: '/conv1/Conv', op: 'Relu', inputs: ['x'], outputs: ['stem'] },
          { name: '/layer3/layer3.0/conv1/Conv', op: 'Relu', inputs: ['stem'], outputs: ['inner'] },
          { name: '/layer3/layer3.0/Relu', op: 'Relu', inputs: ['inner'], outputs: ['y'] },
        ],
      }),
    );
    expect(resolveLayer(g, 'conv1').tensor).toBe('stem');
    expect(resolveLayer(g, 'layer3.0/conv1').tensor).toBe('inner');
    expect(listModuleScopes(g)).toEqual(['conv1', 'layer3']);
  });
});
