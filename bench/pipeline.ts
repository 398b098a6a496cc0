/**
 * Pipeline throughput: semantic-audit's extraction (decode + preprocess + inference, overlapped)
 * against a bare onnxruntime `session.run` loop over already-decoded tensors of the same batches.
 * The ratio shows how much of the decode work the pipeline hides behind inference.
 */

import os from 'node:os';
import ort from 'onnxruntime-node';
import { loadDataset } from '../src/data/dataset.js';
import { type Preprocess, preprocessImage, tensorSize } from '../src/data/preprocess.js';
import { extractFeatures } from '../src/cache/cached-extract.js';
import { defaultBatchSize } from '../src/model/pipeline.js';
import { resolvePreprocess } from '../src/model/resolve-preprocess.js';
import { sessionOptions } from '../src/model/session.js';
import { resolveLayer } from '../src/model/layers.js';
import { loadModel } from '../src/model/model.js';
import { withExtraOutputs } from '../src/model/onnx-graph.js';

/** Decodes `files` into one batch tensor, one file after another (the bare loop's input, made beforehand). */
async function decodeBatch(files: string[], pre: Preprocess): Promise<Float32Array> {
  const size = tensorSize(pre);
  const values = new Float32Array(files.length * size);
  for (const [i, f] of files.entries()) await preprocessImage(f, pre, values, i * size);
  return values;
}

/** One comparison: bare loop and semantic-audit with the same inference threads, interleaved. */
async function compare(
  model: Awaited<ReturnType<typeof loadModel>>,
  files: string[],
  batches: Float32Array[],
  layers: ReturnType<typeof resolveLayer>[],
  pre: ReturnType<typeof resolvePreprocess>,
  threads: number,
  batchSize: number,
): Promise<{ bareMs: number; ourMs: number }> {
  const size = tensorSize(pre);
  const dims = pre.layout === 'NCHW' ? [pre.channels, pre.height, pre.width] : [pre.height, pre.width, pre.channels];
  // Bare loop: same model, extra outputs and session options, tensors decoded beforehand (not timed).
  const tensors = layers.map((l) => l.tensor).filter((t) => t !== model.input.name);
  const session = await ort.InferenceSession.create(withExtraOutputs(model.bytes, model.graph, tensors), sessionOptions(['cpu'], threads));
  const bare = async () => {
    const t = performance.now();
    for (const b of batches) await session.run({ [model.input.name]: new ort.Tensor('float32', b, [b.length / size, ...dims]) }, tensors);
    return performance.now() - t;
  };
  const ours = async () => {
    const t = performance.now();
    await extractFeatures(model, files, layers, pre, { batchSize, intraOpNumThreads: threads });
    return performance.now() - t;
  };
  await bare();
  await ours(); // warm-up
  const bareRuns: number[] = [];
  const ourRuns: number[] = [];
  for (let r = 0; r < 5; r++) {
    bareRuns.push(await bare());
    ourRuns.push(await ours());
  }
  await session.release();
  return { bareMs: median(bareRuns), ourMs: median(ourRuns) };
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

/**
 * Two comparisons: onnxruntime on every core (a CPU-bound machine: decoding can only hide in the
 * gaps of inference), and on all cores but one (the situation of a GPU run or a machine with a
 * spare core: decoding should be hidden entirely).
 */
export async function runPipelineBench(argv: string[] = []): Promise<Record<string, number>> {
  const modelPath = argv.find((a) => a.startsWith('--model='))?.slice(8) ?? 'fixtures/models/fmnist-resnet.onnx';
  const dataPath = argv.find((a) => a.startsWith('--data='))?.slice(7) ?? 'fixtures/fmnist5';
  const repeat = Number(argv.find((a) => a.startsWith('--repeat='))?.slice(9) ?? 4);
  const model = await loadModel(modelPath);
  const pre = resolvePreprocess(model);
  // The batch size extraction picks by default (64 for 28x28 inputs), for both sides.
  const batchSize = Number(argv.find((a) => a.startsWith('--batch='))?.slice(8) ?? defaultBatchSize(pre));
  const ds = await loadDataset(dataPath);
  const files = Array.from({ length: repeat }, () => ds.items.map((i) => i.file)).flat();
  const layers = [resolveLayer(model.graph, 'pool5')];
  const batches: Float32Array[] = [];
  for (let s = 0; s < files.length; s += batchSize) batches.push(await decodeBatch(files.slice(s, s + batchSize), pre));
  const cores = os.availableParallelism();
  const out: Record<string, number> = { images: files.length, cores };
  const cases: [string, number][] = [['allCores', cores]];
  if (cores > 1) cases.push(['spareCore', cores - 1]);
  const lines: string[] = [];
  for (const [name, threads] of cases) {
    const { bareMs, ourMs } = await compare(model, files, batches, layers, pre, threads, batchSize);
    const bareRate = Math.round((files.length / bareMs) * 1000);
    const ourRate = Math.round((files.length / ourMs) * 1000);
    out[`${name}BareImgPerS`] = bareRate;
    out[`${name}OursImgPerS`] = ourRate;
    out[`${name}Ratio`] = Number((bareMs / ourMs).toFixed(3));
    lines.push(`${threads} inference thread${threads === 1 ? '' : 's'}${name === 'spareCore' ? ' (a core left for decoding, as with a GPU)' : ' (every core)'}: bare ${bareRate} img/s, semantic-audit ${ourRate} img/s, ratio ${out[`${name}Ratio`]}`);
  }
  console.log(`pipeline  ${files.length} images (${modelPath}), batch ${batchSize}, bare session.run on tensors decoded beforehand vs semantic-audit (read + hash + decode + inference, overlapped):\n  ${lines.join('\n  ')}`);
  return out;
}
