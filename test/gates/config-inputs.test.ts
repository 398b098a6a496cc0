/** The config file as the CLI commands read it: every preprocess key of auditModel, unknown keys refused with a suggestion. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ConfigurableValues, type ExtractValues, applyConfigFile, applyExtractConfig } from '../../src/cli/audit-inputs.js';
import { parseConfig } from '../../src/config/config-file.js';
import { tempDir } from '../helpers/images.js';

async function repo(config: unknown): Promise<string> {
  const dir = await tempDir();
  await mkdir(path.join(dir, 'a', 'b'), { recursive: true });
  await writeFile(path.join(dir, 'semantic-audit.config.json'), JSON.stringify(config));
  return path.join(dir, 'a', 'b');
}

describe('config preprocess on the command line', () => {
  it('fills every preprocess flag from the keys auditModel takes, found upward; flags win', async () => {
    const cwd = await repo({ model: 'm.onnx', preprocess: { size: [32, 64], resize: 'pad', padValue: 0, padAlign: 'start', channels: 'bgr', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], layout: 'NCHW' } });
    const values: ConfigurableValues = { channels: 'rgb' };
    await applyConfigFile(values, cwd);
    expect(values).toMatchObject({ size: '32,64', resize: 'pad', 'pad-value': '0', 'pad-align': 'start', channels: 'rgb', mean: '0.5,0.5,0.5', std: '0.5,0.5,0.5', layout: 'NCHW' });
  });

  it('an unknown preprocess key is an error with the closest known key, for the CLI and auditModel alike', async () => {
    const message = 'F.json: Unknown key "preprocess.padvalue" (did you mean "preprocess.padValue"?). Known: preprocess.size, preprocess.resize, preprocess.padValue, preprocess.padAlign, preprocess.channels, preprocess.mean, preprocess.std, preprocess.preset, preprocess.layout.';
    expect(() => parseConfig({ preprocess: { padvalue: 0 } }, 'F.json')).toThrow(message);
    const cwd = await repo({ preprocess: { padvalue: 0 } });
    await expect(applyConfigFile({}, cwd)).rejects.toThrow('Unknown key "preprocess.padvalue" (did you mean "preprocess.padValue"?)');
  });

  it('extract takes what decides the images and layers, never the report directory, gates or t-SNE', async () => {
    const cwd = await repo({ model: 'm.onnx', data: 'probe', layers: ['pool5'], maxPerClass: 20, out: 'report', gates: ['pool5.purity.micro >= 0.5'], k: 5, tsne: { enabled: false }, cache: false });
    const values: ExtractValues & Record<string, unknown> = { layers: 'data' };
    await applyExtractConfig(values, cwd);
    const root = path.dirname(path.dirname(cwd));
    expect(values).toEqual({ model: path.join(root, 'm.onnx'), data: path.join(root, 'probe'), layers: 'data', 'max-per-class': '20', 'no-cache': true });
  });
});
