import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_FILE_NAME, findConfigFile, loadConfig, parseConfig } from '../../src/config/config-file.js';

const F = '/repo/semantic-audit.config.json';

describe('parseConfig', () => {
  it('resolves paths against the file and parses gates', () => {
    const c = parseConfig(
      { model: 'models/m.onnx', data: '../probe', out: 'report', cache: false, layers: ['data', 'pool5'], k: 5, metric: 'cosine', gates: ['pool5.purity.macro >= 0.8'], maxPerClass: 50, tsne: { threeD: true, seed: 2 }, preprocess: { preset: 'imagenet' } },
      F,
    );
    expect(c).toMatchObject({ file: F, model: '/repo/models/m.onnx', data: '/probe', out: '/repo/report', cache: false, layers: ['data', 'pool5'], k: 5, metric: 'cosine', maxPerClass: 50, tsne: { threeD: true, seed: 2 }, preprocess: { preset: 'imagenet' } });
    expect(c.parsedGates).toEqual([{ source: 'pool5.purity.macro >= 0.8', layer: 'pool5', metric: 'purity.macro', comparator: '>=', threshold: 0.8 }]);
  });

  it.each([
    [{ layer: ['pool5'] }, 'Unknown key "layer" (did you mean "layers"?). Known keys: model, data, preprocess, layers, k, metric, querySplit, referenceSplit, gates, maxPerClass, batchSize, tsne, out, cache, labelIssues, maxLabelIssues.'],
    [{ labelIssues: 'no' }, 'Expected true or false for labelIssues but received "no"'],
    [{ maxLabelIssues: 'pool5=2%' }, 'Expected a share in [0, 1] or "layer=share,..." for maxLabelIssues but received "pool5=2%"'],
    [{ maxLabelIssues: 0.02, labelIssues: false }, 'Expected either "labelIssues": false or "maxLabelIssues" but received both ("maxLabelIssues": 0.02 gates on label issues that "labelIssues": false turns off). Remove one of the two keys.'],
    [{ gate: 'x' }, 'Unknown key "gate" (did you mean "gates"?)'],
    [{ colour: 1 }, 'Unknown key "colour". Known keys:'],
    [{ k: 0 }, 'Expected an integer >= 1 for k but received 0'],
    [{ k: '10' }, 'Expected an integer >= 1 for k but received "10"'],
    [{ layers: 'pool5' }, 'Expected an array of non-empty strings for layers but received "pool5"'],
    [{ metric: 'manhattan' }, 'Expected "euclidean" or "cosine" for metric but received "manhattan"'],
    [{ cache: true }, 'Expected a directory path or false for cache but received true'],
    [{ tsne: { perplexty: 5 } }, 'Unknown key "tsne.perplexty" (did you mean "tsne.perplexity"?)'],
    [{ tsne: { seed: -1 } }, 'Expected an integer >= 0 for tsne.seed but received -1'],
    [{ gates: ['pool5.purity >= 0.8'] }, 'Invalid gate "pool5.purity >= 0.8": unknown metric "purity" (did you mean purity.micro?)'],
  ])('%j', (json, message) => {
    expect(() => parseConfig(json, F)).toThrow(`${F}: ${message}`);
  });

  it('refuses a non-object', () => {
    expect(() => parseConfig([1], F)).toThrow(`${F}: Expected a JSON object of settings but received [1]`);
  });
});

describe('loadConfig', () => {
  it('finds the file upward, reads an explicit one, names a missing or broken one', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'sa-config-'));
    const deep = path.join(root, 'a', 'b');
    await mkdir(deep, { recursive: true });
    expect(await findConfigFile(deep)).toBe(await findConfigFile(root)); // none here (or one above tmp, equally)
    await writeFile(path.join(root, CONFIG_FILE_NAME), JSON.stringify({ model: 'm.onnx', k: 3 }));
    expect(await findConfigFile(deep)).toBe(path.join(root, CONFIG_FILE_NAME));
    const c = await loadConfig(undefined, deep);
    expect(c).toMatchObject({ model: path.join(root, 'm.onnx'), k: 3 });
    await writeFile(path.join(deep, 'other.json'), '{ "k": 4, }');
    await expect(loadConfig('other.json', deep)).rejects.toThrow(`${path.join(deep, 'other.json')}: not valid JSON (`);
    await expect(loadConfig('nope.json', deep)).rejects.toThrow(`Config file not found: nope.json. Pass an existing file to --config, or create ${CONFIG_FILE_NAME}.`);
  });
});
