/**
 * A disk cache of layer activations, per (model, tensor, preprocessing, image).
 *
 * A namespace is sha256 of everything an activation depends on except the image: the model's
 * sha256, the tensor name, the preprocessing and the runtime. Within it, rows are looked up by the
 * image file's sha256. A re-run with an unchanged model and images reads every row from disk and
 * runs no inference; a changed image has a new content hash and only it is recomputed.
 *
 * Storage: rows are written a batch at a time as immutable *packs*, one file per batch and
 * namespace (`v2/<ns[0:2]>/<ns>/<id>.pack`), so that a cold run over 70,000 images writes about a
 * thousand files per layer instead of 70,000, and a warm run reads them with one read each. Pack
 * (little-endian): 32-byte header (`SAPK`, format version, row count, columns, CRC-32 of the
 * index), the index (per row: 32-byte image sha256 and CRC-32 of the row), then the rows as
 * float32. A pack's name is a digest of its index, so two processes extracting the same batch
 * write the same file.
 *
 * Safe for concurrent processes (parallel Vitest workers, CI jobs sharing a restored cache): packs
 * are written to a unique temporary file and renamed into place (atomic on POSIX and NTFS), so a
 * reader sees a whole pack or none, and a pack never changes once written. Everything read is
 * verified (magic, version, length, CRC of the index, CRC of each row); a pack that fails is
 * deleted and its rows count as misses, never used. The size is bounded:
 * {@link ActivationCache.evict} deletes the least recently used packs (a hit refreshes its pack's
 * mtime, at most once an hour) until the cache is under 90 % of `maxBytes`.
 *
 * Derived results ({@link ActivationCache.getResult}: k-NN searches, t-SNE embeddings,
 * separation metrics) live beside the packs in `v2/results/<key[0:2]>/<key>.res`, keyed by a
 * digest of the exact features and parameters they were computed from; they are verified,
 * written and evicted the same way.
 *
 * Over 500 lines: this file is the one reader and writer of the on-disk format (packs and results
 * share the header checks, verification, atomic writes and eviction); split, the format would be
 * read in several places.
 */

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import { paramError } from '../errors.js';
import type { Preprocess } from '../data/preprocess.js';
import { mkdirsSync } from './cache-dir.js';
import { crc32 } from './crc32.js';

/** Directory used when neither an option nor `SEMANTIC_AUDIT_CACHE` names one (relative to the working directory). */
export const DEFAULT_CACHE_DIR = '.semantic-audit/cache';

/** Default bound on the cache's size on disk: 2 GiB. */
export const DEFAULT_CACHE_MAX_BYTES = 2 * 1024 ** 3;

/** Pack format version; packs of other versions live in other folders and are never read. */
export const CACHE_FORMAT_VERSION = 2;

const MAGIC = 0x4b504153; // 'SAPK' read as little-endian u32
const HEADER_BYTES = 32;
const INDEX_ENTRY_BYTES = 36;
/** A hit refreshes its pack's mtime (its recency for eviction) when older than this. */
const TOUCH_AFTER_MS = 60 * 60 * 1000;
/** Temporary files older than this are leftovers of a killed writer and are deleted by evict(). */
const STALE_TMP_MS = 10 * 60 * 1000;
/** Magic of a derived-result file ('SARS' read as little-endian u32) and its header size. */
const RESULT_MAGIC = 0x53524153;
const RESULT_HEADER_BYTES = 16;
/** Folder (under the format folder) of derived results, beside the two-hex-digit pack folders. */
const RESULTS_DIR = 'results';
/** Packs whose rows are kept in memory at once while reading (most recently used). */
const OPEN_PACKS = 4;

/** What an entry's activations depend on, apart from the image. */
export interface CacheNamespace {
  /** sha256 (hex) of the model file. */
  model: string;
  /** The ONNX tensor read. */
  tensor: string;
  preprocess: Preprocess;
  /** Inference runtime and version (numerics may change between versions), e.g. `onnxruntime-node 1.30.0`. */
  runtime?: string;
}

/** Counters of one {@link ActivationCache} instance (this process only). */
export interface CacheStats {
  /** Rows found. */
  hits: number;
  misses: number;
  /** Packs and results found truncated or corrupt (deleted; recomputed). */
  corrupt: number;
  /** Packs and results written. */
  writes: number;
  /** Writes that failed (disk full, read-only); the audit goes on without them. */
  writeErrors: number;
  /** Packs and results deleted by eviction. */
  evicted: number;
  /** Derived results (k-NN, t-SNE, separation) found and not found. */
  resultHits: number;
  resultMisses: number;
}

/** Options of {@link ActivationCache}. */
export interface ActivationCacheOptions {
  /** Size bound in bytes. @default DEFAULT_CACHE_MAX_BYTES (2 GiB) */
  maxBytes?: number;
}

/** Result of {@link ActivationCache.evict}. */
export interface EvictResult {
  /** Packs and bytes left. */
  packs: number;
  bytes: number;
  /** Packs deleted to get under the bound. */
  removed: number;
}

/** Where a row lives. */
interface Location {
  pack: string;
  row: number;
  crc: number;
}

/** A pack's index, read once per namespace and process. */
interface PackInfo {
  file: string;
  count: number;
  cols: number;
  mtimeMs: number;
  touched: boolean;
}

/** The activation cache in one directory. See the module comment. */
export class ActivationCache {
  /** Absolute cache directory. */
  readonly dir: string;
  readonly maxBytes: number;
  readonly stats: CacheStats = { hits: 0, misses: 0, corrupt: 0, writes: 0, writeErrors: 0, evicted: 0, resultHits: 0, resultMisses: 0 };
  private readonly root: string;
  private readonly indexes = new Map<string, Map<string, Location[]>>();
  private readonly packs = new Map<string, PackInfo>();
  /** Rows of recently read packs, most recent last. */
  private readonly loaded = new Map<string, Float32Array>();
  private tmpCounter = 0;

  constructor(dir: string, options: ActivationCacheOptions = {}) {
    if (typeof dir !== 'string' || dir === '') throw paramError('cache directory', 'a non-empty path', dir);
    const maxBytes = options.maxBytes ?? DEFAULT_CACHE_MAX_BYTES;
    if (!Number.isFinite(maxBytes) || maxBytes < 0) throw paramError('cacheMaxBytes', 'number >= 0', maxBytes);
    this.dir = path.resolve(dir);
    this.maxBytes = maxBytes;
    this.root = path.join(this.dir, `v${CACHE_FORMAT_VERSION}`);
  }

  /** The namespace key (hex sha256) of everything an activation depends on except the image. */
  static namespace(ns: CacheNamespace): string {
    const p = ns.preprocess;
    const canonical = {
      v: CACHE_FORMAT_VERSION,
      model: ns.model,
      tensor: ns.tensor,
      runtime: ns.runtime ?? '',
      preprocess: [p.width, p.height, p.channels, p.layout, p.resize, p.mean, p.std],
    };
    return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
  }

  private nsDir(namespace: string): string {
    return path.join(this.root, namespace.slice(0, 2), namespace);
  }

  /** Reads the index of every pack of a namespace (once per instance). */
  private index(namespace: string): Map<string, Location[]> {
    let idx = this.indexes.get(namespace);
    if (idx) return idx;
    idx = new Map();
    this.indexes.set(namespace, idx);
    const dir = this.nsDir(namespace);
    let names: string[];
    try {
      names = fs.readdirSync(dir).filter((n) => n.endsWith('.pack')).sort();
    } catch {
      return idx;
    }
    for (const name of names) this.addPack(idx, path.join(dir, name));
    return idx;
  }

  /** Reads and checks one pack's header and index; a bad pack is deleted. */
  private addPack(idx: Map<string, Location[]>, file: string): void {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      return;
    }
    let ok = false;
    try {
      const st = fs.fstatSync(fd);
      const head = Buffer.alloc(HEADER_BYTES);
      if (fs.readSync(fd, head, 0, HEADER_BYTES, 0) !== HEADER_BYTES) return;
      if (head.readUInt32LE(0) !== MAGIC || head.readUInt32LE(4) !== CACHE_FORMAT_VERSION) return;
      const count = head.readUInt32LE(8);
      const cols = head.readUInt32LE(12);
      if (st.size !== HEADER_BYTES + count * (INDEX_ENTRY_BYTES + cols * 4)) return;
      const index = Buffer.alloc(count * INDEX_ENTRY_BYTES);
      if (fs.readSync(fd, index, 0, index.length, HEADER_BYTES) !== index.length || crc32(index) !== head.readUInt32LE(16)) return;
      this.packs.set(file, { file, count, cols, mtimeMs: st.mtimeMs, touched: false });
      for (let r = 0; r < count; r++) {
        const o = r * INDEX_ENTRY_BYTES;
        const hash = index.toString('hex', o, o + 32);
        const loc: Location = { pack: file, row: r, crc: index.readUInt32LE(o + 32) };
        const list = idx.get(hash);
        if (list) list.push(loc);
        else idx.set(hash, [loc]);
      }
      ok = true;
    } catch {
      // unreadable: treated as corrupt below
    } finally {
      fs.closeSync(fd);
      if (!ok) this.dropCorrupt(file);
    }
  }

  private dropCorrupt(file: string): void {
    this.stats.corrupt++;
    this.packs.delete(file);
    this.loaded.delete(file);
    for (const idx of this.indexes.values()) {
      for (const [hash, list] of idx) {
        const kept = list.filter((l) => l.pack !== file);
        if (kept.length === 0) idx.delete(hash);
        else if (kept.length !== list.length) idx.set(hash, kept);
      }
    }
    try {
      fs.unlinkSync(file);
    } catch {
      // another process removed or replaced it
    }
  }

  /** The rows of a pack (read whole, kept among the {@link OPEN_PACKS} most recent). */
  private rowsOf(info: PackInfo): Float32Array | undefined {
    const hit = this.loaded.get(info.file);
    if (hit) {
      this.loaded.delete(info.file);
      this.loaded.set(info.file, hit);
      return hit;
    }
    const rows = new Float32Array(info.count * info.cols);
    const bytes = new Uint8Array(rows.buffer);
    let fd: number;
    try {
      fd = fs.openSync(info.file, 'r');
    } catch {
      return undefined; // evicted by another process meanwhile: a miss
    }
    try {
      const start = HEADER_BYTES + info.count * INDEX_ENTRY_BYTES;
      let off = 0;
      while (off < bytes.length) {
        const r = fs.readSync(fd, bytes, off, bytes.length - off, start + off);
        if (r === 0) break;
        off += r;
      }
      if (off !== bytes.length) return undefined;
      if (!info.touched && Date.now() - info.mtimeMs > TOUCH_AFTER_MS) {
        const now = new Date();
        fs.futimesSync(fd, now, now);
      }
      info.touched = true;
    } catch {
      return undefined;
    } finally {
      fs.closeSync(fd);
    }
    this.loaded.set(info.file, rows);
    if (this.loaded.size > OPEN_PACKS) this.loaded.delete(this.loaded.keys().next().value!);
    return rows;
  }

  /**
   * The cached row of an image, or `undefined` on a miss. A row whose CRC does not match gets its
   * pack deleted and counts as a miss. When `cols` is given, a row of another length is a miss.
   * The row is a read-only view of the pack's rows (copy it before changing it).
   */
  get(namespace: string, imageHash: string, cols?: number): Float32Array | undefined {
    const list = this.index(namespace).get(imageHash);
    for (const loc of list ?? []) {
      const info = this.packs.get(loc.pack);
      if (!info || (cols !== undefined && info.cols !== cols)) continue;
      const rows = this.rowsOf(info);
      if (!rows) continue;
      const row = rows.subarray(loc.row * info.cols, (loc.row + 1) * info.cols);
      if (crc32(new Uint8Array(row.buffer, row.byteOffset, row.byteLength)) !== loc.crc) {
        this.dropCorrupt(info.file);
        continue;
      }
      this.stats.hits++;
      return row;
    }
    this.stats.misses++;
    return undefined;
  }

  /**
   * The length of a cached row of an image (`cols`, when given and a row of that length is
   * cached), or `undefined` when none is cached. Consults the namespace's pack indexes only (read
   * once per instance): no row is read or verified; {@link readInto} does that.
   */
  columns(namespace: string, imageHash: string, cols?: number): number | undefined {
    for (const loc of this.index(namespace).get(imageHash) ?? []) {
      const info = this.packs.get(loc.pack);
      if (info && (cols === undefined || info.cols === cols)) return info.cols;
    }
    return undefined;
  }

  /**
   * Reads the cached rows of `imageHashes` straight into `target`: the row of `imageHashes[j]`
   * goes to `target[rows[j] * cols ...]`. Rows that lie one after another in a pack and in
   * `target` (the usual case: a warm run asks for its images in the order a cold run stored them)
   * are read with one positional read, so no row is copied in JavaScript; each row's CRC-32 is
   * then checked where it landed. Returns one flag per image: 1 when its row was read and its
   * CRC matched. A row that fails is a miss and its pack is deleted (its other rows, each
   * verified on its own, are still used this time); the places of missed rows in `target` hold
   * unspecified values.
   */
  readInto(namespace: string, imageHashes: readonly string[], cols: number, target: Float32Array, rows: ArrayLike<number>): Uint8Array {
    const found = new Uint8Array(imageHashes.length);
    const idx = this.index(namespace);
    const byPack = new Map<PackInfo, { j: number; loc: Location }[]>();
    for (let j = 0; j < imageHashes.length; j++) {
      for (const loc of idx.get(imageHashes[j]) ?? []) {
        const info = this.packs.get(loc.pack);
        if (!info || info.cols !== cols) continue;
        const list = byPack.get(info);
        if (list) list.push({ j, loc });
        else byPack.set(info, [{ j, loc }]);
        break;
      }
    }
    const bytes = new Uint8Array(target.buffer, target.byteOffset, target.byteLength);
    const rowBytes = cols * 4;
    for (const [info, wanted] of byPack) {
      wanted.sort((a, b) => a.loc.row - b.loc.row);
      if (!this.readRuns(info, wanted, bytes, rows, rowBytes)) continue; // gone meanwhile: misses
      let bad = false;
      for (const { j, loc } of wanted) {
        const o = rows[j] * rowBytes;
        if (crc32(bytes.subarray(o, o + rowBytes)) === loc.crc) found[j] = 1;
        else bad = true;
      }
      if (bad) this.dropCorrupt(info.file);
    }
    let hits = 0;
    for (const f of found) hits += f;
    this.stats.hits += hits;
    this.stats.misses += found.length - hits;
    return found;
  }

  /**
   * Reads the `wanted` rows of a pack into `bytes` (row j at `rows[j] * rowBytes`), one read per
   * run of rows consecutive in both; refreshes the pack's mtime like {@link rowsOf}. False when
   * the pack cannot be read whole.
   */
  private readRuns(info: PackInfo, wanted: { j: number; loc: Location }[], bytes: Uint8Array, rows: ArrayLike<number>, rowBytes: number): boolean {
    let fd: number;
    try {
      fd = fs.openSync(info.file, 'r');
    } catch {
      return false; // evicted by another process meanwhile
    }
    try {
      const start = HEADER_BYTES + info.count * INDEX_ENTRY_BYTES;
      for (let a = 0; a < wanted.length; ) {
        let b = a + 1;
        while (b < wanted.length && wanted[b].loc.row === wanted[b - 1].loc.row + 1 && rows[wanted[b].j] === rows[wanted[b - 1].j] + 1) b++;
        const length = (b - a) * rowBytes;
        const dest = rows[wanted[a].j] * rowBytes;
        const from = start + wanted[a].loc.row * rowBytes;
        for (let off = 0; off < length; ) {
          const r = fs.readSync(fd, bytes, dest + off, length - off, from + off);
          if (r === 0) return false;
          off += r;
        }
        a = b;
      }
      if (!info.touched && Date.now() - info.mtimeMs > TOUCH_AFTER_MS) {
        const now = new Date();
        try {
          fs.futimesSync(fd, now, now);
        } catch {
          // a read-only cache (restored in CI, say): the rows read are whole all the same
        }
      }
      info.touched = true;
      return true;
    } catch {
      return false;
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Stores the rows of a batch of images (`values` holds `imageHashes.length` rows of `cols`
   * floats) as one pack, atomically. Never throws: a failed write is counted and skipped.
   */
  putBatch(namespace: string, imageHashes: string[], values: Float32Array, cols: number): void {
    const count = imageHashes.length;
    if (count === 0 || values.length < count * cols) return;
    const rowBytes = cols * 4;
    const buf = Buffer.allocUnsafe(HEADER_BYTES + count * (INDEX_ENTRY_BYTES + rowBytes));
    buf.fill(0, 0, HEADER_BYTES);
    const payload = new Uint8Array(values.buffer, values.byteOffset, count * rowBytes);
    for (let r = 0; r < count; r++) {
      const o = HEADER_BYTES + r * INDEX_ENTRY_BYTES;
      buf.write(imageHashes[r], o, 32, 'hex');
      buf.writeUInt32LE(crc32(payload.subarray(r * rowBytes, (r + 1) * rowBytes)), o + 32);
    }
    const index = buf.subarray(HEADER_BYTES, HEADER_BYTES + count * INDEX_ENTRY_BYTES);
    buf.writeUInt32LE(MAGIC, 0);
    buf.writeUInt32LE(CACHE_FORMAT_VERSION, 4);
    buf.writeUInt32LE(count, 8);
    buf.writeUInt32LE(cols, 12);
    buf.writeUInt32LE(crc32(index), 16);
    buf.set(payload, HEADER_BYTES + index.length);
    const id = createHash('sha256').update(index).update(`${cols}`).digest('hex').slice(0, 32);
    const dir = this.nsDir(namespace);
    const file = path.join(dir, `${id}.pack`);
    const tmp = `${file}.${process.pid}-${threadId}-${++this.tmpCounter}.tmp`;
    try {
      mkdirsSync(dir);
      fs.writeFileSync(tmp, buf);
      fs.renameSync(tmp, file);
      this.stats.writes++;
    } catch {
      this.stats.writeErrors++;
      try {
        fs.unlinkSync(tmp);
      } catch {
        // nothing was written
      }
      return;
    }
    // Later look-ups of this instance see the new rows too.
    const idx = this.indexes.get(namespace);
    if (idx && !this.packs.has(file)) this.addPack(idx, file);
  }

  /** Stores one image's row (a pack of one). */
  put(namespace: string, imageHash: string, values: Float32Array): void {
    this.putBatch(namespace, [imageHash], values, values.length);
  }

  /** Where the row of an image is stored (for tests and diagnostics), or `undefined`. */
  locate(namespace: string, imageHash: string): { file: string; offset: number; bytes: number } | undefined {
    const loc = this.index(namespace).get(imageHash)?.[0];
    const info = loc && this.packs.get(loc.pack);
    if (!loc || !info) return undefined;
    return { file: loc.pack, offset: HEADER_BYTES + info.count * INDEX_ENTRY_BYTES + loc.row * info.cols * 4, bytes: info.cols * 4 };
  }

  private resultFile(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw paramError('result key', 'a sha256 hex digest', key);
    return path.join(this.root, RESULTS_DIR, key.slice(0, 2), `${key}.res`);
  }

  /**
   * A derived result (a k-NN search, a t-SNE embedding, separation metrics) stored under `key`
   * (hex sha256 of everything it was computed from), or `undefined`. Verified like a pack (magic,
   * version, length, CRC-32); a damaged file is deleted and counts as a miss.
   */
  getResult(key: string): Uint8Array | undefined {
    const file = this.resultFile(key);
    let buf: Buffer;
    try {
      buf = fs.readFileSync(file);
    } catch {
      this.stats.resultMisses++;
      return undefined;
    }
    const ok =
      buf.length >= RESULT_HEADER_BYTES &&
      buf.readUInt32LE(0) === RESULT_MAGIC &&
      buf.readUInt32LE(4) === CACHE_FORMAT_VERSION &&
      buf.readUInt32LE(8) === buf.length - RESULT_HEADER_BYTES &&
      crc32(buf.subarray(RESULT_HEADER_BYTES)) === buf.readUInt32LE(12);
    if (!ok) {
      this.stats.corrupt++;
      tryUnlink(file);
      this.stats.resultMisses++;
      return undefined;
    }
    try {
      const st = fs.statSync(file);
      if (Date.now() - st.mtimeMs > TOUCH_AFTER_MS) {
        const now = new Date();
        fs.utimesSync(file, now, now);
      }
    } catch {
      // evicted meanwhile: the bytes read are still whole
    }
    this.stats.resultHits++;
    return new Uint8Array(buf.buffer, buf.byteOffset + RESULT_HEADER_BYTES, buf.length - RESULT_HEADER_BYTES);
  }

  /** Stores a derived result under `key`, atomically. Never throws: a failed write is counted and skipped. */
  putResult(key: string, payload: Uint8Array): void {
    const file = this.resultFile(key);
    const buf = Buffer.allocUnsafe(RESULT_HEADER_BYTES + payload.length);
    buf.writeUInt32LE(RESULT_MAGIC, 0);
    buf.writeUInt32LE(CACHE_FORMAT_VERSION, 4);
    buf.writeUInt32LE(payload.length, 8);
    buf.writeUInt32LE(crc32(payload), 12);
    buf.set(payload, RESULT_HEADER_BYTES);
    const tmp = `${file}.${process.pid}-${threadId}-${++this.tmpCounter}.tmp`;
    try {
      mkdirsSync(path.dirname(file));
      fs.writeFileSync(tmp, buf);
      fs.renameSync(tmp, file);
      this.stats.writes++;
    } catch {
      this.stats.writeErrors++;
      tryUnlink(tmp);
    }
  }

  /**
   * A digest of which packs the cache holds (their names derive from their content): unchanged
   * when a run only read from the cache, so CI can skip saving it again.
   */
  digest(): string {
    const h = createHash('sha256');
    const list = (dir: string) => {
      try {
        return fs.readdirSync(dir).sort();
      } catch {
        return [];
      }
    };
    for (const a of list(this.root)) for (const ns of list(path.join(this.root, a))) for (const f of list(path.join(this.root, a, ns))) if (f.endsWith('.pack') || f.endsWith('.res')) h.update(`${ns}/${f}\n`);
    return h.digest('hex');
  }

  /**
   * Bounds the cache: deletes leftover temporary files, then the least recently used packs until
   * the total is at most 90 % of `maxBytes` (when it exceeds `maxBytes`). Scans the whole cache
   * (one stat per pack), so call it once per run, after writing.
   */
  evict(): EvictResult {
    const files: { file: string; size: number; mtime: number }[] = [];
    let bytes = 0;
    const now = Date.now();
    const list = (dir: string): string[] => {
      try {
        return fs.readdirSync(dir);
      } catch {
        return [];
      }
    };
    for (const a of list(this.root)) {
      for (const ns of list(path.join(this.root, a))) {
        const dir = path.join(this.root, a, ns);
        for (const name of list(dir)) {
          const file = path.join(dir, name);
          let st: fs.Stats;
          try {
            st = fs.statSync(file);
          } catch {
            continue;
          }
          if (name.endsWith('.tmp')) {
            if (now - st.mtimeMs > STALE_TMP_MS) tryUnlink(file);
            continue;
          }
          files.push({ file, size: st.size, mtime: st.mtimeMs });
          bytes += st.size;
        }
      }
    }
    let removed = 0;
    if (bytes > this.maxBytes) {
      const target = this.maxBytes * 0.9;
      files.sort((x, y) => x.mtime - y.mtime || (x.file < y.file ? -1 : 1));
      for (const f of files) {
        if (bytes <= target) break;
        if (tryUnlink(f.file)) {
          bytes -= f.size;
          removed++;
        }
      }
      this.stats.evicted += removed;
    }
    return { packs: files.length - removed, bytes, removed };
  }
}

function tryUnlink(file: string): boolean {
  try {
    fs.unlinkSync(file);
    return true;
  } catch {
    return false;
  }
}

/** Environment values of `SEMANTIC_AUDIT_CACHE` that turn the cache off. */
const OFF_VALUES = ['0', 'false', 'off', 'no', 'none'];

/**
 * Opens the cache an audit should use: `option` when given (`false` turns caching off, a string
 * is the directory, an {@link ActivationCache} is used as is), else the `SEMANTIC_AUDIT_CACHE`
 * environment variable (a directory, or `off`/`0`/`false`), else {@link DEFAULT_CACHE_DIR}.
 * `SEMANTIC_AUDIT_CACHE_MAX_MB` sets the size bound when `maxBytes` is not given.
 */
export function openActivationCache(
  option: ActivationCache | string | false | undefined,
  options: { maxBytes?: number; env?: NodeJS.ProcessEnv } = {},
): ActivationCache | undefined {
  if (option instanceof ActivationCache) return option;
  if (option === false) return undefined;
  const env = options.env ?? process.env;
  let dir = option;
  if (dir === undefined) {
    const fromEnv = env.SEMANTIC_AUDIT_CACHE?.trim();
    if (fromEnv && OFF_VALUES.includes(fromEnv.toLowerCase())) return undefined;
    dir = fromEnv || DEFAULT_CACHE_DIR;
  }
  let maxBytes = options.maxBytes;
  if (maxBytes === undefined && env.SEMANTIC_AUDIT_CACHE_MAX_MB !== undefined) {
    const mb = Number(env.SEMANTIC_AUDIT_CACHE_MAX_MB);
    if (!Number.isFinite(mb) || mb < 0) throw paramError('SEMANTIC_AUDIT_CACHE_MAX_MB', 'number >= 0', env.SEMANTIC_AUDIT_CACHE_MAX_MB);
    maxBytes = mb * 1024 * 1024;
  }
  return new ActivationCache(dir, { maxBytes });
}
