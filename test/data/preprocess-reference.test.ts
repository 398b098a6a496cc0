/**
 * Preprocessing of the mixed-aspect fixture images (fixtures/mixed) against numbers computed
 * independently in Python (fixtures/make_plain_fixtures.py: numpy letterbox, channel swap and
 * normalisation, written out without reference to this code). Every fixture image fits 32x64 at
 * scale 1, so no resampling is involved and the values must agree to float32 rounding.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Preprocess, preprocessImage } from '../../src/data/preprocess.js';
import { loadModel } from '../../src/model/model.js';
import { resolveLayer } from '../../src/model/layers.js';
import { extractFeatures } from '../../src/cache/cached-extract.js';
import { REPO } from '../helpers/cli.js';

interface Config {
  preprocess: { resize: 'pad'; padValue: number | null; padAlign: 'start' | 'center'; channels: 'rgb' | 'bgr'; mean: number; std: number };
  queryChecksums: number[][][];
}
const reference = JSON.parse(await readFile(path.join(REPO, 'fixtures/reference/plain-bgr.json'), 'utf8')) as { queryFiles: string[]; configs: Record<string, Config> };
const files = reference.queryFiles.map((f) => path.join(REPO, 'fixtures/mixed', f));

function toPreprocess(c: Config['preprocess']): Preprocess {
  const p: Preprocess = { width: 64, height: 32, channels: 3, layout: 'NCHW', resize: c.resize, mean: [c.mean, c.mean, c.mean], std: [c.std, c.std, c.std], padAlign: c.padAlign };
  if (c.channels === 'bgr') p.channelOrder = 'bgr';
  if (c.padValue !== null) p.padValue = c.padValue;
  return p;
}

/** Per channel: [sum, sum of squares, sum of index * value], as the Python script computes them. */
function checksums(x: Float32Array): number[][] {
  const hw = x.length / 3;
  return [0, 1, 2].map((c) => {
    let s = 0;
    let q = 0;
    let w = 0;
    for (let i = 0; i < hw; i++) {
      const v = x[c * hw + i];
      s += v;
      q += v * v;
      w += i * v;
    }
    return [s, q, w];
  });
}

/** Equal within float32 rounding of the summands (relative 1e-6, absolute 1e-6): one pixel off by 1/255 moves a sum by 0.008. */
function expectClose(actual: number[][], expected: number[][], label: string): void {
  actual.forEach((ch, c) =>
    ch.forEach((v, k) => {
      const e = expected[c][k];
      if (Math.abs(v - e) > 1e-6 * Math.max(1, Math.abs(e)) + 1e-6) expect([label, c, k, v]).toEqual([label, c, k, e]);
    }),
  );
}

describe('preprocessing the mixed-aspect images', () => {
  for (const [name, config] of Object.entries(reference.configs)) {
    it(`matches Python for ${name} (${JSON.stringify(config.preprocess)})`, async () => {
      const p = toPreprocess(config.preprocess);
      const out = new Float32Array(64 * 32 * 3);
      for (let i = 0; i < files.length; i++) {
        await preprocessImage(files[i], p, out, 0);
        expectClose(checksums(out), config.queryChecksums[i], reference.queryFiles[i]);
      }
    });
  }

  it('gives the same input through the extraction pipeline (PNG fast path and sharp alike)', async () => {
    const model = await loadModel(path.join(REPO, 'fixtures/models/plain-bgr/model.onnx'));
    const config = reference.configs.model;
    const { features } = await extractFeatures(model, files, [resolveLayer(model.graph, 'data')], toPreprocess(config.preprocess), { batchSize: 16, inferenceThread: 'main' });
    const m = features.get('input_1')!;
    for (let i = 0; i < files.length; i++) expectClose(checksums(m.data.subarray(i * m.cols, (i + 1) * m.cols)), config.queryChecksums[i], reference.queryFiles[i]);
  });
});
