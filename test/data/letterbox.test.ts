import { describe, expect, it } from 'vitest';
import { cropKeptFraction, letterboxBox } from '../../src/data/letterbox.js';
import { normalisationWarning, describePreprocess, type PreprocessSources } from '../../src/data/preprocess-summary.js';
import { transposedAspectWarning } from '../../src/data/image-aspect.js';

describe('letterboxBox', () => {
  it('fits and centres (the fixture sizes fit 32x64 at scale 1)', () => {
    expect(letterboxBox(40, 32, 64, 32, 'center')).toEqual({ width: 40, height: 32, left: 12, top: 0 });
    expect(letterboxBox(64, 16, 64, 32, 'center')).toEqual({ width: 64, height: 16, left: 0, top: 8 });
    expect(letterboxBox(64, 16, 64, 32, 'start')).toEqual({ width: 64, height: 16, left: 0, top: 0 });
  });
  it('scales to the limiting side, rounds, and puts an odd remainder at the bottom/right', () => {
    // 100x30 into 64x32: scale 0.64 -> 64 x 19.2 -> 19 high, 13 rows of padding: 6 above, 7 below.
    expect(letterboxBox(100, 30, 64, 32, 'center')).toEqual({ width: 64, height: 19, left: 0, top: 6 });
    // 28x28 into 32x64: scale 32/28 -> 32x32, centred.
    expect(letterboxBox(28, 28, 64, 32, 'center')).toEqual({ width: 32, height: 32, left: 16, top: 0 });
    expect(letterboxBox(1000, 1, 64, 32, 'center')).toMatchObject({ width: 64, height: 1 });
  });
  it('gives the share a centre crop keeps', () => {
    expect(cropKeptFraction(32, 32, 64, 32)).toBeCloseTo(0.5, 15);
    expect(cropKeptFraction(64, 32, 64, 32)).toBe(1);
    expect(cropKeptFraction(64, 16, 64, 32)).toBeCloseTo(0.5, 15);
  });
});

describe('preprocessing summary', () => {
  const sources: PreprocessSources = { size: 'model', resize: 'option', channelOrder: 'option', mean: 'option', std: 'option', layout: 'model', padValue: 'option', padAlign: 'default', preset: 'inception' };
  it('says every value and where it came from', () => {
    expect(
      describePreprocess({ width: 64, height: 32, channels: 3, layout: 'NCHW', resize: 'pad', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], channelOrder: 'bgr', padValue: 0, padAlign: 'center' }, sources),
    ).toEqual([
      'size 32x64 (height x width; model input)',
      'resize pad (option)',
      'pad value 0 (pixel value) (option), aligned center (default)',
      'channels BGR (option)',
      'scale x / 255 to [0, 1]',
      'mean 0.5,0.5,0.5 (--preset inception)',
      'std 0.5,0.5,0.5 (--preset inception)',
      'layout NCHW (model input)',
    ]);
  });
  it('warns when no normalisation was given', () => {
    expect(normalisationWarning(sources)).toBeUndefined();
    expect(normalisationWarning({ ...sources, mean: 'default', std: 'default', preset: undefined })).toMatch(/^No normalisation was given: neither --mean\/--std\/--preset nor the model metadata semantic_audit\.preprocess set it/);
    expect(normalisationWarning({ ...sources, mean: 'metadata', std: 'metadata' })).toBeUndefined();
  });
});

describe('transposedAspectWarning', () => {
  it('warns when every image has the transposed aspect, naming the size to pass', () => {
    const tall = [{ width: 48, height: 192 }, { width: 40, height: 100 }];
    expect(transposedAspectWarning(tall, 48, 192, 2)).toBe(
      'All 2 images are taller than wide, while the input size is 48x192 (height x width, wider than tall). Sizes are height first: if the model takes 192x48 images, pass --size 192x48.',
    );
    expect(transposedAspectWarning(tall, 48, 192, 10)).toMatch(/^All 2 sampled images \(of 10\) are taller than wide/);
  });
  it('stays quiet for matching, mixed, square or unknown shapes', () => {
    expect(transposedAspectWarning([{ width: 192, height: 48 }], 48, 192, 1)).toBeUndefined();
    expect(transposedAspectWarning([{ width: 48, height: 192 }, { width: 50, height: 50 }], 48, 192, 2)).toBeUndefined();
    expect(transposedAspectWarning([{ width: 48, height: 192 }], 64, 64, 1)).toBeUndefined();
    expect(transposedAspectWarning([], 48, 192, 0)).toBeUndefined();
  });
});
