/**
 * Small inline thumbnails of the audited images, encoded with sharp. Each file is encoded once;
 * the page refers to it by id wherever the image appears.
 */

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { DataSummary } from '../result/report.js';
import { resultKey } from '../cache/result-cache.js';
import type { ActivationCache } from '../cache/activation-cache.js';

/** Options of {@link encodeThumbnails}. */
export interface ThumbnailOptions {
  /** Longest edge in pixels; smaller images are not enlarged. @default 64 */
  size?: number;
  /** WebP quality (1-100). @default 70 */
  quality?: number;
  /** Files decoded at once. @default 4 */
  concurrency?: number;
  /**
   * Cache of encoded thumbnails (keyed by the file's content, format, size and quality), so that a
   * re-run with unchanged images does not encode them again. @default none
   */
  cache?: ActivationCache;
}

/** An encoded thumbnail, or the reason there is none (missing or unreadable file). */
export type Thumbnail = { ok: true; mime: 'image/webp' | 'image/png'; data: Buffer } | { ok: false; reason: string };

/**
 * The directory that the report's image paths are relative to: the ImageFolder root, or the
 * manifest's directory.
 */
export function dataRoot(data: Pick<DataSummary, 'source' | 'kind'>): string {
  return data.kind === 'manifest' ? path.dirname(data.source) : data.source;
}

/** The absolute file of an image path of the report. */
export function imageFile(data: Pick<DataSummary, 'source' | 'kind'>, relPath: string): string {
  return path.resolve(dataRoot(data), ...relPath.split('/'));
}

async function encodeOne(file: string, format: 'webp' | 'png', size: number, quality: number, cache: ActivationCache | undefined): Promise<Thumbnail> {
  const mime = format === 'webp' ? 'image/webp' : 'image/png';
  try {
    const bytes = await readFile(file);
    const key = cache && resultKey('thumbnail', { format, size, quality }, [createHash('sha256').update(bytes).digest('hex')]);
    const hit = key && cache.getResult(key);
    if (hit) return { ok: true, mime, data: Buffer.from(hit) };
    const img = sharp(bytes, { failOn: 'none' }).rotate().resize(size, size, { fit: 'inside', withoutEnlargement: true });
    const data = format === 'webp' ? await img.webp({ quality, effort: 4 }).toBuffer() : await img.png({ compressionLevel: 9 }).toBuffer();
    if (key) cache.putResult(key, data);
    return { ok: true, mime, data };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, reason: code === 'ENOENT' || /missing|no such file/i.test(String((err as Error).message)) ? 'file not found' : `unreadable: ${(err as Error).message}` };
  }
}

/**
 * Encodes each distinct file once (WebP, or PNG with `format: 'png'`) and returns the thumbnails
 * keyed by file. Missing or unreadable files get `{ ok: false, reason }`; nothing throws.
 */
export async function encodeThumbnails(files: Iterable<string>, options: ThumbnailOptions & { format?: 'webp' | 'png' } = {}): Promise<Map<string, Thumbnail>> {
  const size = options.size ?? 64;
  const quality = options.quality ?? 70;
  const format = options.format ?? 'webp';
  const unique = [...new Set(files)];
  const out = new Map<string, Thumbnail>();
  let next = 0;
  const worker = async () => {
    while (next < unique.length) {
      const file = unique[next++];
      out.set(file, await encodeOne(file, format, size, quality, options.cache));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  return out;
}

/** A thumbnail as a `data:` URI (empty string when there is none). */
export function dataUri(t: Thumbnail | undefined): string {
  return t && t.ok ? `data:${t.mime};base64,${t.data.toString('base64')}` : '';
}
