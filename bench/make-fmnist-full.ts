/**
 * Writes Fashion-MNIST (all 70,000 images, or the first N of each split) as 8-bit grayscale PNGs
 * in ImageFolder layout: `<out>/{train,test}/<class>/{train,test}-<index>.png`, where <index> is
 * the image's index in the source split. Reads the raw idx files of Debian's
 * dataset-fashion-mnist (`/usr/share/datasets/fashion-mnist`). Benchmark data only: never
 * committed.
 *
 *   node dist/bench/make-fmnist-full.js --out=/tmp/fmnist-full [--train=60000] [--test=10000] [--source=DIR]
 */

import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';

/** Folder names of the ten Fashion-MNIST classes (label id order), as in fixtures/make_fixtures.py. */
export const FMNIST_CLASSES = ['tshirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'boot'];

/** Default location of the raw files (Debian package dataset-fashion-mnist). */
export const FMNIST_SOURCE = '/usr/share/datasets/fashion-mnist';

async function readIdx(file: string, headerBytes: number): Promise<Uint8Array> {
  const raw = gunzipSync(await readFile(file));
  return new Uint8Array(raw.buffer, raw.byteOffset + headerBytes, raw.length - headerBytes);
}

/** Options of {@link makeFmnistFull}. */
export interface MakeFmnistOptions {
  out: string;
  source?: string;
  /** Images taken from the start of the train split. @default 60000 */
  train?: number;
  /** Images taken from the start of the t10k split. @default 10000 */
  test?: number;
  /** Only images of these classes (names of {@link FMNIST_CLASSES}); the limits count them. @default all ten */
  classes?: string[];
  /** PNG encodes in flight. @default 16 */
  concurrency?: number;
}

/**
 * Writes the PNGs (skipping files that exist, so a rerun is cheap) and returns how many images
 * each split has.
 */
export async function makeFmnistFull(options: MakeFmnistOptions): Promise<{ train: number; test: number; written: number }> {
  const source = options.source ?? FMNIST_SOURCE;
  const splits = [
    { split: 'train', prefix: 'train', limit: options.train ?? 60000 },
    { split: 'test', prefix: 't10k', limit: options.test ?? 10000 },
  ];
  let written = 0;
  const counts: Record<string, number> = {};
  for (const { split, prefix, limit } of splits) {
    const images = await readIdx(path.join(source, `${prefix}-images-idx3-ubyte.gz`), 16);
    const labels = await readIdx(path.join(source, `${prefix}-labels-idx1-ubyte.gz`), 8);
    const keep = options.classes ? new Set(options.classes.map((c) => FMNIST_CLASSES.indexOf(c))) : undefined;
    if (keep?.has(-1)) throw new Error(`Unknown Fashion-MNIST class in ${JSON.stringify(options.classes)}; expected names among ${FMNIST_CLASSES.join(', ')}`);
    const picked: number[] = [];
    for (let i = 0; i < labels.length && picked.length < limit; i++) if (!keep || keep.has(labels[i])) picked.push(i);
    counts[split] = picked.length;
    for (const c of FMNIST_CLASSES) if (!keep || keep.has(FMNIST_CLASSES.indexOf(c))) await mkdir(path.join(options.out, split, c), { recursive: true });
    let next = 0;
    const worker = async () => {
      for (;;) {
        if (next >= picked.length) return;
        const i = picked[next++];
        const file = path.join(options.out, split, FMNIST_CLASSES[labels[i]], `${split}-${i}.png`);
        if (existsSync(file)) continue;
        const pixels = Buffer.from(images.subarray(i * 784, (i + 1) * 784));
        await writeFile(file, await sharp(pixels, { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer());
        written++;
      }
    };
    await Promise.all(Array.from({ length: options.concurrency ?? 16 }, worker));
  }
  return { train: counts.train, test: counts.test, written };
}

function flag(argv: string[], name: string): string | undefined {
  return argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  const out = flag(argv, 'out');
  if (!out) {
    console.error('Usage: node dist/bench/make-fmnist-full.js --out=DIR [--train=60000] [--test=10000] [--source=DIR]');
    process.exit(2);
  }
  const t = performance.now();
  const r = await makeFmnistFull({ out, source: flag(argv, 'source'), train: Number(flag(argv, 'train') ?? 60000), test: Number(flag(argv, 'test') ?? 10000) });
  console.log(`fashion-mnist: ${r.train} train + ${r.test} test images in ${out} (${r.written} written in ${Math.round(performance.now() - t)} ms)`);
}
