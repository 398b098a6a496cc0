/**
 * Pipeline throughput: semantic-audit's extraction (decode + preprocess + inference, overlapped)
 * against a bare onnxruntime `session.run` loop over already-decoded tensors of the same batches.
 * The ratio shows how much of the decode work the pipeline hides behind inference.
 */

import os from 'node:os';
import ort from 'onnxruntime-node';
import { loadDataset } from '../src/data/dataset.js';
import { preprocessBatch, tensorSize } from '../src/data/preprocess.js';
import { resolvePreprocess } from '../src/audit/model-audit.js';
import { extractFeatures, sessionOptions } from '../src/model/extractor.js';
import { resolveLayer } from '../src/model/layers.js';
import { loadModel } from '../src/model/model.js';
import { withExtraOutputs } from '../src/model/onnx-graph.js';

export async function runPipelineBench(argv: string[] = []): Promise<Record<string, number>> {
  const modelPath = argv.find((a) => a.startsWith('--model='))?.slice(8) ?? 'fixtures/models/fmnist-resnet.onnx';
  const dataPath = argv.find((a) => a.startsWith('--data='))?.slice(7) ?? 'fixtures/fmnist5';
  const repeat = Number(argv.find((a) => a.startsWith('--repeat='))?.slice(9) ?? 4);
  const batchSize = 32;
  const model = await loadModel(modelPath);
  const pre = resolvePreprocess(model);
  const ds = await loadDataset(dataPath);
  const files = Array.from({ length: repeat }, () => ds.items.map((i) => i.file)).flat();
  const layers = ['pool5', 'data'].map((l) => resolveLayer(model.graph, l));

  // Bare loop: same model, extra output and session options, tensors decoded beforehand (not timed).
  const session = await ort.InferenceSession.create(withExtraOutputs(model.bytes, model.graph, [layers[0].tensor]), sessionOptions(['cpu'], os.availableParallelism()));
  const size = tensorSize(pre);
  const batches: Float32Array[] = [];
  for (let s = 0; s < files.length; s += batchSize) batches.push((await preprocessBatch(files.slice(s, s + batchSize), pre)).values);
  const dims = pre.layout === 'NCHW' ? [pre.channels, pre.height, pre.width] : [pre.height, pre.width, pre.channels];
  const bare = async () => {
    const t = performance.now();
    for (const b of batches) await session.run({ [model.input.name]: new ort.Tensor('float32', b, [b.length / size, ...dims]) }, [layers[0].tensor]);
    return performance.now() - t;
  };
  const ours = async () => {
    const t = performance.now();
    await extractFeatures(model, files, layers, pre, { batchSize });
    return performance.now() - t;
  };
  await bare();
  await ours(); // warm-up
  const bareRuns: number[] = [];
  const ourRuns: number[] = [];
  for (let r = 0; r < 3; r++) {
    bareRuns.push(await bare());
    ourRuns.push(await ours());
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const bareMs = med(bareRuns);
  const ourMs = med(ourRuns);
  const out = { images: files.length, bareImgPerS: Math.round((files.length / bareMs) * 1000), oursImgPerS: Math.round((files.length / ourMs) * 1000), ratio: Number((bareMs / ourMs).toFixed(3)) };
  console.log(`pipeline  ${files.length} images (${modelPath}): bare session.run ${out.bareImgPerS} img/s (decoded beforehand), semantic-audit ${out.oursImgPerS} img/s (decode + inference); throughput ratio ${out.ratio}`);
  return out;
}
