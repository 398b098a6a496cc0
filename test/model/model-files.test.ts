import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/model/model.js';
import { measureTensorShapes } from '../../src/model/tensor-shapes.js';
import { REPO } from '../helpers/cli.js';
import { tempDir } from '../helpers/images.js';

const MODELS = path.join(REPO, 'fixtures/models');
const PLAIN = path.join(MODELS, 'plain-bgr/model.onnx');
const reference = JSON.parse(await readFile(path.join(REPO, 'fixtures/reference/plain-bgr.json'), 'utf8')) as {
  tensorShapes: Record<string, { elemType: string; shape: (number | string)[] | null }>;
  configs: { model: { firstQueryPenultimate: number[][] } };
};

let dir: string;
beforeAll(async () => {
  dir = await tempDir('sa-model-files-');
});

describe('models with external data', () => {
  it('loads when the data file sits beside the model, from any working directory, and hashes the weights too', async () => {
    const model = await loadModel(PLAIN);
    expect(model.externalDataDir).toBe(path.dirname(PLAIN));
    const h = createHash('sha256').update(await readFile(PLAIN)).update(await readFile(`${PLAIN}.data`)).digest('hex');
    expect(model.sha256).toBe(h);
    // One run of onnxruntime reads the external weights: the shapes match ONNX shape inference's (Python).
    const shapes = await measureTensorShapes(model);
    for (const [name, ref] of Object.entries(reference.tensorShapes)) {
      if (ref.shape) expect([name, ref.shape.length > 1 ? shapes.get(name)?.dims.slice(1) : shapes.get(name)?.dims]).toEqual([name, ref.shape.length > 1 ? ref.shape.slice(1) : ref.shape]);
      expect([name, shapes.get(name)?.type]).toEqual([name, ref.elemType === 'FLOAT' ? 'float32' : ref.elemType.toLowerCase()]);
    }
    // Shape inference cannot tell the Reshape's output; PyTorch's penultimate features can.
    expect(reference.tensorShapes['flatten:0'].shape).toBeNull();
    expect(shapes.get('flatten:0')?.dims).toEqual([1, reference.configs.model.firstQueryPenultimate[0].length]);
  });
  it('says where the missing data file was expected', async () => {
    const d = path.join(dir, 'nodata');
    await mkdir(d, { recursive: true });
    await copyFile(PLAIN, path.join(d, 'model.onnx'));
    await expect(loadModel(path.join(d, 'model.onnx'))).rejects.toThrow(
      `${path.join(d, 'model.onnx')} keeps its weights in the external data file model.onnx.data, expected beside it at ${path.join(d, 'model.onnx.data')} but not found. Copy model.onnx.data next to the model (or run git lfs pull if it is stored with Git LFS).`,
    );
  });
  it('asks for the path when given as bytes', async () => {
    await expect(loadModel(await readFile(PLAIN))).rejects.toThrow(
      '<bytes> keeps its weights in external data files (model.onnx.data), which cannot be found for a model given as bytes. Pass the model\'s file path instead, with the data files beside it.',
    );
  });
  it('recognises a data file that is a Git LFS pointer', async () => {
    const d = path.join(dir, 'lfsdata');
    await mkdir(d, { recursive: true });
    await copyFile(PLAIN, path.join(d, 'model.onnx'));
    await writeFile(path.join(d, 'model.onnx.data'), 'version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 75456\n');
    await expect(loadModel(path.join(d, 'model.onnx'))).rejects.toThrow(
      `The external data file ${path.join(d, 'model.onnx.data')} of ${path.join(d, 'model.onnx')} is a Git LFS pointer (oid sha256:abc, 75456 bytes), not the weights. Run: git lfs pull (with git-lfs installed), then try again.`,
    );
  });
});

describe('model files as shipped', () => {
  it('recognises a Git LFS pointer and says git lfs pull', async () => {
    const file = path.join(MODELS, 'lfs-pointer.onnx');
    const text = await readFile(file, 'utf8');
    const oid = /oid (\S+)/.exec(text)![1];
    const size = /size (\d+)/.exec(text)![1];
    await expect(loadModel(file)).rejects.toThrow(
      `${file} is a Git LFS pointer (oid ${oid}, ${size} bytes), not the model: the repository was cloned or checked out without its LFS files. Run: git lfs pull (with git-lfs installed), then try again.`,
    );
  });
  it('refuses a model with two inputs, naming them', async () => {
    const file = path.join(MODELS, 'two-inputs.onnx');
    await expect(loadModel(file)).rejects.toThrow(
      `${file} has 2 inputs (image [N, 3, 8, 8], extra [1, 5]); semantic-audit feeds one image tensor. Export a model whose only input is the image, or give the other inputs default values (initializers of the same name), which are then used.`,
    );
  });
  it('loads a model whose extra input has a default, and runs it', async () => {
    const model = await loadModel(path.join(MODELS, 'two-inputs-default.onnx'));
    expect(model.input.name).toBe('image');
    expect(model.graph.defaultedInputs.map((i) => i.name)).toEqual(['extra']);
    const shapes = await measureTensorShapes(model);
    expect(shapes.get('logits')).toEqual({ type: 'float32', dims: [1, 5] });
  });
});
