import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { parseOnnx, withExtraOutputs } from '../../src/model/onnx-graph.js';
import { aliasFor, closestNames, listLayers, listModuleScopes, mainPathTensors, resolveLayer, sweepLayers, tensorElemType, topLayers } from '../../src/model/layers.js';
import { buildModel, tensor, tinyClassifier } from '../helpers/onnx-builder.js';

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

describe('Softmax outputs, non-float tensors and sweeps', () => {
  // input -> Conv(stride 1) -> Relu -> Conv(stride 2) -> Relu -> MaxPool(stride 2) -> GAP -> Shape/Gather/Reshape -> Gemm -> Softmax
  const plain = parseOnnx(
    buildModel({
      input: { name: 'img', shape: ['N', 3, 8, 8] },
      output: { name: 'prob', shape: ['N', 2] },
      nodes: [
        { name: 'c1', op: 'Conv', inputs: ['img', 'w1'], outputs: ['c1:0'], attrs: [{ name: 'pads', ints: [1, 1, 1, 1] }] },
        { name: 'r1', op: 'Relu', inputs: ['c1:0'], outputs: ['r1:0'] },
        { name: 'c2', op: 'Conv', inputs: ['r1:0', 'w1'], outputs: ['c2:0'], attrs: [{ name: 'pads', ints: [1, 1, 1, 1] }, { name: 'strides', ints: [2, 2] }] },
        { name: 'r2', op: 'Relu', inputs: ['c2:0'], outputs: ['r2:0'] },
        // a side branch (not on the main path): r2 -> Neg -> Add back
        { name: 'neg', op: 'Neg', inputs: ['r2:0'], outputs: ['neg:0'] },
        { name: 'add', op: 'Add', inputs: ['r2:0', 'neg:0'], outputs: ['add:0'] },
        { name: 'mp', op: 'MaxPool', inputs: ['add:0'], outputs: ['mp:0'], attrs: [{ name: 'kernel_shape', ints: [2, 2] }, { name: 'strides', ints: [2, 2] }] },
        { name: 'gap', op: 'GlobalAveragePool', inputs: ['mp:0'], outputs: ['gap:0'] },
        { name: 'shape', op: 'Shape', inputs: ['gap:0'], outputs: ['shape:0'] },
        { name: 'gather', op: 'Gather', inputs: ['shape:0', 'zero'], outputs: ['gather:0'] },
        { name: 'flat', op: 'Flatten', inputs: ['gap:0'], outputs: ['flat:0'] },
        { name: 'dense', op: 'Gemm', inputs: ['flat:0', 'wfc', 'bfc'], outputs: ['dense:0'], attrs: [{ name: 'transB', i: 1 }] },
        { name: 'softmax', op: 'Softmax', inputs: ['dense:0'], outputs: ['prob'], attrs: [{ name: 'axis', i: 1 }] },
      ],
      initializers: [tensor('w1', [3, 3, 3, 3], new Array(81).fill(0.1)), tensor('wfc', [2, 3], [1, 0, 0, 0, 1, 0]), tensor('bfc', [2], [0, 0]), { name: 'zero', dims: [], dataType: 7, int64Data: [0] } as never],
    }),
    'plain.onnx',
  );

  it('resolves logits to the input of a final Softmax and probabilities to its output', () => {
    expect(resolveLayer(plain, 'logits')).toMatchObject({ tensor: 'dense:0', kind: 'logits', opType: 'Gemm' });
    expect(resolveLayer(plain, 'probabilities')).toMatchObject({ tensor: 'prob', kind: 'probabilities', opType: 'Softmax' });
    expect(resolveLayer(plain, 'penultimate')).toMatchObject({ tensor: 'flat:0', kind: 'penultimate' });
    expect(() => resolveLayer(graph, 'probabilities', 'tiny.onnx')).toThrow('tiny.onnx does not end in a Softmax, so "probabilities" is undefined; its output logits is what "logits" names.');
  });
  it('refuses shape and index tensors as layers, not the model', () => {
    expect(tensorElemType(plain, 'shape:0')).toBe('INT64');
    expect(tensorElemType(plain, 'gather:0')).toBe('INT64');
    expect(tensorElemType(plain, 'r1:0')).toBe('UNKNOWN');
    expect(() => resolveLayer(plain, 'gather', 'plain.onnx')).toThrow(
      'Layer "gather" of plain.onnx is the int64 tensor gather:0 (output of Gather); semantic-audit compares float32 activations. Pick a float32 layer (for example penultimate, or one listed by: semantic-audit layers <model.onnx>).',
    );
  });
  it('finds the main path (cut tensors) in network order, skipping side branches', () => {
    expect(mainPathTensors(plain)).toEqual(['c1:0', 'r1:0', 'c2:0', 'r2:0', 'add:0', 'mp:0', 'gap:0', 'flat:0', 'dense:0', 'prob']);
  });
  it('sweeps a scope-less graph at each change of resolution, then pooled, penultimate and logits', () => {
    expect(sweepLayers(plain)).toEqual(['data', 'r1', 'add', 'mp', 'penultimate', 'logits']); // gap: penultimate is its Flatten
    expect(topLayers(plain)).toEqual(['data', 'logits']);
  });
  it('suggests the special name a foreign layer name means', () => {
    expect(() => resolveLayer(plain, 'pool5', 'plain.onnx')).toThrow('Unknown layer "pool5" in plain.onnx. Did you mean penultimate (flat:0)? Closest: ');
    expect(() => resolveLayer(plain, 'fc8', 'plain.onnx')).toThrow('Did you mean logits (dense:0)?');
    expect(aliasFor('Pool5')).toBe('penultimate');
  });
  it('expands a container scope into its blocks, and keeps a top-level list', () => {
    const nodes = [{ name: '/conv1/Conv', op: 'Relu', inputs: ['x'], outputs: ['s'] }];
    let prev = 's';
    for (const block of ['layer1.0', 'layer1.1']) {
      for (const op of ['a', 'b', 'c']) {
        nodes.push({ name: `/layer1/${block}/${op}/Relu`, op: 'Relu', inputs: [prev], outputs: [`${block}${op}`] });
        prev = `${block}${op}`;
      }
    }
    nodes.push({ name: '/pool5/Relu', op: 'Relu', inputs: [prev], outputs: ['y'] });
    const g = parseOnnx(buildModel({ input: { name: 'x', shape: ['N', 3, 4, 4] }, output: { name: 'y', shape: ['N', 3, 4, 4] }, nodes }));
    expect(sweepLayers(g)).toEqual(['data', 'conv1', 'layer1.0', 'layer1.1', 'pool5']);
    expect(topLayers(g)).toEqual(['data', 'conv1', 'layer1', 'pool5']);
  });
});
