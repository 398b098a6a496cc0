import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Preprocess, preprocessImage, validatePreprocess } from '../../src/data/preprocess.js';
import { tempDir, writeImage } from '../helpers/images.js';

const base: Preprocess = { width: 4, height: 4, channels: 3, layout: 'NCHW', resize: 'crop', mean: [0, 0, 0], std: [1, 1, 1] };

async function run(file: string, p: Partial<Preprocess>): Promise<Float32Array> {
  const pp = { ...base, ...p };
  const out = new Float32Array(pp.width * pp.height * pp.channels);
  await preprocessImage(file, pp, out, 0);
  return out;
}

describe('preprocessImage', () => {
  it('scales to [0,1], normalises per channel and lays out NCHW and NHWC', async () => {
    const dir = await tempDir();
    const f = path.join(dir, 'rgb.png');
    await writeImage(f, 4, 4, 3, (x, y, c) => [51, 102, 204][c] + x);
    const nchw = await run(f, { mean: [0.1, 0.2, 0.3], std: [0.5, 0.5, 0.25] });
    // pixel (x=1, y=0): R = 52
    expect(nchw[1]).toBeCloseTo((52 / 255 - 0.1) / 0.5, 6);
    expect(nchw[16 + 1]).toBeCloseTo((103 / 255 - 0.2) / 0.5, 6);
    expect(nchw[32 + 1]).toBeCloseTo((205 / 255 - 0.3) / 0.25, 6);
    const nhwc = await run(f, { layout: 'NHWC' });
    expect(Array.from(nhwc.subarray(3, 6)).map((v) => Math.round(v * 255))).toEqual([52, 103, 205]);
  });

  it('replicates grayscale to RGB and drops alpha', async () => {
    const dir = await tempDir();
    const g = path.join(dir, 'g.png');
    await writeImage(g, 4, 4, 1, () => 128);
    const rgb = await run(g, {});
    expect(new Set(Array.from(rgb, (v) => Math.round(v * 255)))).toEqual(new Set([128]));
    const rgba = path.join(dir, 'rgba.png');
    await writeImage(rgba, 4, 4, 4, (x, y, c) => [10, 20, 30, 7][c]);
    const out = await run(rgba, { layout: 'NHWC' });
    expect(Array.from(out.subarray(0, 3), (v) => Math.round(v * 255))).toEqual([10, 20, 30]);
  });

  it('converts RGB to one channel with ITU-R 601-2 luma for 1-channel models', async () => {
    const dir = await tempDir();
    const f = path.join(dir, 'c.png');
    await writeImage(f, 4, 4, 3, () => 0);
    await writeImage(f, 4, 4, 3, (x, y, c) => [200, 100, 50][c]);
    const out = await run(f, { channels: 1, mean: [0], std: [1] });
    expect(out.length).toBe(16);
    expect(out[0] * 255).toBeCloseTo((200 * 299 + 100 * 587 + 50 * 114) / 1000, 3);
  });

  it('crop takes the centre of the shorter side; stretch keeps everything', async () => {
    const dir = await tempDir();
    const f = path.join(dir, 'wide.png');
    // 8x4: left quarter 0, middle half 100, right quarter 250.
    await writeImage(f, 8, 4, 1, (x) => (x < 2 ? 0 : x < 6 ? 100 : 250));
    const crop = await run(f, { channels: 1, mean: [0], std: [1] });
    expect(new Set(Array.from(crop, (v) => Math.round(v * 255)))).toEqual(new Set([100]));
    const stretch = await run(f, { channels: 1, mean: [0], std: [1], resize: 'stretch' });
    const vals = Array.from(stretch, (v) => Math.round(v * 255));
    expect(Math.min(...vals)).toBeLessThan(50);
    expect(Math.max(...vals)).toBeGreaterThan(200);
  });

  it.each(['jpg', 'webp', 'gif', 'tiff'])('decodes %s', async (ext) => {
    const dir = await tempDir();
    const f = path.join(dir, `img.${ext}`);
    await writeImage(f, 4, 4, 3, () => 128);
    const out = await run(f, {});
    for (const v of out) expect(Math.abs(v * 255 - 128)).toBeLessThan(4);
  });

  it('names a corrupt or missing file', async () => {
    const dir = await tempDir();
    const f = path.join(dir, 'broken.png');
    await writeFile(f, 'not an image at all');
    await expect(run(f, {})).rejects.toThrow(`Cannot decode image ${f}: Input buffer contains unsupported image format. Replace or remove the file.`);
    await expect(run(path.join(dir, 'gone.png'), {})).rejects.toThrow(`Cannot read image ${path.join(dir, 'gone.png')}: ENOENT. Check the path in your data set.`);
  });

  it('validates the description', () => {
    expect(() => validatePreprocess({ ...base, width: 0 })).toThrow('Expected integer in [1, 8192] for preprocess width but received 0. Pass --size N or --size H,W when the model input size is dynamic');
    expect(() => validatePreprocess({ ...base, std: [1, 0, 1] })).toThrow('Expected non-zero values for std but received [1, 0, 1]');
    expect(() => validatePreprocess({ ...base, mean: [1, 2] })).toThrow('Expected 3 finite numbers (one per channel) for mean but received [1, 2]');
  });
});

describe('preprocessImage: pad and channel order', () => {
  it('letterboxes a wide image (resampled to fit) with the pad value around it, in NHWC too', async () => {
    const dir = await tempDir();
    const f = path.join(dir, 'wide.png');
    await writeImage(f, 8, 2, 3, (x, y, c) => [200, 100, 50][c]);
    // 8x2 into 4x4: scale 0.5 -> 4x1 at row floor(3 / 2) = 1; padding pixel 0.
    const nhwc = await run(f, { resize: 'pad', padValue: 0, layout: 'NHWC' });
    const rows = [0, 1, 2, 3].map((y) => Array.from(nhwc.subarray(y * 12, y * 12 + 3), (v) => Math.round(v * 255)));
    expect(rows).toEqual([[0, 0, 0], [200, 100, 50], [0, 0, 0], [0, 0, 0]]);
    // Aligned at the start, and the normalised 0 as the default padding.
    const start = await run(f, { resize: 'pad', padAlign: 'start', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
    expect(start[0]).toBeCloseTo((200 / 255 - 0.5) * 2, 6);
    expect(start[4]).toBe(0);
    expect(start[16 + 4]).toBe(0);
  });
  it('swaps R and B for bgr, and leaves grey models alone', async () => {
    const dir = await tempDir();
    const f = path.join(dir, 'c.png');
    await writeImage(f, 4, 4, 3, (x, y, c) => [10, 20, 30][c]);
    const bgr = await run(f, { channelOrder: 'bgr', layout: 'NHWC' });
    expect(Array.from(bgr.subarray(0, 3), (v) => Math.round(v * 255))).toEqual([30, 20, 10]);
    const grey = await run(f, { channels: 1, channelOrder: 'bgr', mean: [0], std: [1] });
    expect(Math.round(grey[0] * 255 * 1000)).toBe(Math.round(((10 * 299 + 20 * 587 + 30 * 114) / 1000) * 1000));
  });
  it('validates the new fields', () => {
    expect(() => validatePreprocess({ ...base, resize: 'pad', padValue: 256 })).toThrow('Expected a pixel value in [0, 255] for pad value but received 256');
    expect(() => validatePreprocess({ ...base, resize: 'fit' as never })).toThrow('Expected "crop", "stretch" or "pad" for resize but received "fit"');
  });
});
