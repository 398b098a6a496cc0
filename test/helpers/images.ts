/** Writes small synthetic images for tests. */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import sharp from 'sharp';

export async function tempDir(prefix = 'sa-test-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Writes a raw 8-bit image (channels 1-4) as PNG (or the format of the extension). */
export async function writeImage(file: string, width: number, height: number, channels: 1 | 2 | 3 | 4, pixel: (x: number, y: number, c: number) => number): Promise<void> {
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = pixel(x, y, c);
  await mkdir(path.dirname(file), { recursive: true });
  let img = sharp(data, { raw: { width, height, channels } });
  const ext = path.extname(file).toLowerCase();
  if (ext === '.jpg' || ext === '.jpeg') img = img.jpeg({ quality: 100 });
  else if (ext === '.webp') img = img.webp({ lossless: true });
  else if (ext === '.tif' || ext === '.tiff') img = img.tiff();
  else if (ext === '.gif') img = img.gif();
  else img = img.png();
  await writeFile(file, await img.toBuffer());
}

/**
 * An ImageFolder with `classes` classes whose images differ by brightness per class (so pixel-space
 * neighbours are same-class), `perClass` images per class and split.
 */
export async function makeImageFolder(root: string, options: { classes?: string[]; splits?: string[]; perClass?: number; size?: number } = {}): Promise<void> {
  const classes = options.classes ?? ['a', 'b', 'c'];
  const splits = options.splits ?? ['train', 'test'];
  const n = options.perClass ?? 6;
  const s = options.size ?? 8;
  for (const split of splits) {
    for (let ci = 0; ci < classes.length; ci++) {
      for (let i = 0; i < n; i++) {
        const dir = split === '' ? path.join(root, classes[ci]) : path.join(root, split, classes[ci]);
        await writeImage(path.join(dir, `${split || 'img'}-${i}.png`), s, s, 3, (x, y, c) => Math.min(255, 30 + ci * 80 + ((x + y + i + c) % 5) * 3));
      }
    }
  }
}
