/**
 * The ONNX graph of one block of a euclidean k-nearest-neighbour search, run by onnxruntime:
 * D = ‖r‖² − 2 A·Bᵀ (the squared distance minus the query's own norm, which does not change the
 * order within a row) and the K smallest of each row with their column indices (TopK, smallest
 * first, ties to the lower index). Replaces a JavaScript scan of every distance by native code.
 */

import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Builds the model: inputs A (m x d), B (n x d), BN (n), K (int64 [1]); outputs V (m x K), I (m x K, int64). */
export function buildKnnBlockModel(): Uint8Array {
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const INT64 = onnx.TensorProto.DataType.INT64;
  const vi = (name: string, dims: string[], elemType = FLOAT) => ({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => ({ dimParam: d })) } } },
  });
  const INT = onnx.AttributeProto.AttributeType.INT;
  const FLOAT_ATTR = onnx.AttributeProto.AttributeType.FLOAT;
  return onnx.ModelProto.encode({
    irVersion: 7,
    producerName: 'semantic-audit',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'knn_block',
      node: [
        {
          name: 'gemm',
          opType: 'Gemm',
          input: ['A', 'B', 'BN'],
          output: ['D'],
          attribute: [
            { name: 'transB', type: INT, i: 1 },
            { name: 'alpha', type: FLOAT_ATTR, f: -2 },
            { name: 'beta', type: FLOAT_ATTR, f: 1 },
          ],
        },
        {
          name: 'topk',
          opType: 'TopK',
          input: ['D', 'K'],
          output: ['V', 'I'],
          attribute: [
            { name: 'axis', type: INT, i: -1 },
            { name: 'largest', type: INT, i: 0 },
            { name: 'sorted', type: INT, i: 1 },
          ],
        },
      ],
      input: [vi('A', ['m', 'k']), vi('B', ['n', 'k']), vi('BN', ['n']), vi('K', ['one'], INT64)],
      output: [vi('V', ['m', 'c']), vi('I', ['m', 'c'], INT64)],
    },
  }).finish();
}
