import { describe, expect, it } from 'vitest';
import { parseSize, preprocessFromArgs } from '../../src/cli/args.js';
import { resolvePreprocessWithSources } from '../../src/model/resolve-preprocess.js';
import { loadModel } from '../../src/model/model.js';
import { tinyClassifier } from '../helpers/onnx-builder.js';

describe('preprocessing options', () => {
  it('parses --size N, HxW and H,W, height first', () => {
    expect(parseSize('224')).toBe(224);
    expect(parseSize('48x192')).toEqual([48, 192]);
    expect(parseSize('48X192')).toEqual([48, 192]);
    expect(parseSize('48,192')).toEqual([48, 192]);
    expect(() => parseSize('48x')).toThrow('Expected N, HxW or H,W with positive integers, height first (e.g. 224 or 48x192) for --size but received "48x"');
    expect(() => parseSize('0x3')).toThrow('for --size but received "0x3"');
  });
  it('parses the pad, channel and preset options', () => {
    expect(preprocessFromArgs({ resize: 'pad', 'pad-value': '0', 'pad-align': 'start', channels: 'BGR', preset: 'inception' })).toMatchObject({ resize: 'pad', padValue: 0, padAlign: 'start', channels: 'bgr', preset: 'inception' });
    expect(() => preprocessFromArgs({ 'pad-value': '300' })).toThrow('Expected number in [0, 255] for --pad-value but received "300"');
    expect(() => preprocessFromArgs({ channels: 'rbg' })).toThrow('--channels');
  });
  it('says where each value came from: option, metadata, model input or default', async () => {
    const meta = JSON.stringify({ mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], resize: 'pad', padValue: 0, channels: 'bgr' });
    const withMeta = await loadModel(tinyClassifier({ size: 'S' }).slice());
    // The tiny model has a dynamic size; metadata is patched in through the hints it carries.
    withMeta.hints = JSON.parse(meta);
    const a = resolvePreprocessWithSources(withMeta, { size: [8, 16] });
    expect(a.preprocess).toMatchObject({ height: 8, width: 16, resize: 'pad', padValue: 0, padAlign: 'center', channelOrder: 'bgr', mean: [0.5, 0.5, 0.5] });
    expect(a.sources).toEqual({ size: 'option', resize: 'metadata', channelOrder: 'metadata', mean: 'metadata', std: 'metadata', layout: 'model', padValue: 'metadata', padAlign: 'default' });
    const plain = await loadModel(tinyClassifier());
    const b = resolvePreprocessWithSources(plain, { preset: 'inception' });
    expect(b.sources).toEqual({ size: 'model', resize: 'default', channelOrder: 'default', mean: 'option', std: 'option', layout: 'model', preset: 'inception' });
    expect(b.preprocess.channelOrder).toBeUndefined();
    expect(() => resolvePreprocessWithSources(plain, { padValue: 0 })).toThrow('Expected resize "pad" (the padding of keep-aspect resizing) for pad value but received "resize \\"crop\\"". Add --resize pad');
    expect(() => resolvePreprocessWithSources(plain, { size: [8, 9] })).toThrow("Expected 8x8 (the model's fixed input size, height x width) for size");
  });
  it('names the transposed size when a fixed-size model gets width first', async () => {
    const { buildModel } = await import('../helpers/onnx-builder.js');
    const wide = await loadModel(
      buildModel({ input: { name: 'x', shape: ['N', 3, 48, 192] }, output: { name: 'y', shape: ['N', 3, 48, 192] }, nodes: [{ name: 'r', op: 'Relu', inputs: ['x'], outputs: ['y'] }] }),
    );
    expect(() => resolvePreprocessWithSources(wide, { size: [192, 48] })).toThrow(
      "Expected 48x192 (the model's fixed input size, height x width) for size but received \"192x48 (height first: 192x48 is 48x192 transposed)\". Leave --size out for models with a fixed input size",
    );
  });
});
