/**
 * A {@link Gemm} that remembers its products of an audit's feature matrices, so that the stages
 * of one layer that need the same product compute it once: the silhouette and the
 * trustworthiness both need every reference row against every other (`A · Aᵀ`), and the
 * separation's leave-one-out k-NN purity makes exactly the block selections that the label
 * issues' leave-one-out search made before it. The engine is deterministic, so a remembered
 * product is the one a second computation would return, bit for bit.
 *
 * Only products whose two operands are views of *frozen* buffers (registered by the audit: layer
 * features, never written after extraction) are remembered, keyed by the buffers and the views'
 * offsets and shapes; every other product (PCA, t-SNE) passes straight through. Results are
 * copied in and out, so no caller can change a remembered product, and the memory is bounded
 * (least recently used first out).
 */

import type { Gemm } from '../math/gemm.js';
import type { Matrix } from '../math/matrix.js';

/** Bytes of remembered products kept at most. @default 64 MiB */
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/** A remembered selection, with the norms it was made with. */
type Selection = { values: Float32Array; indices: Int32Array; norms: Float32Array };

/** A {@link Gemm} wrapper remembering products of frozen buffers (see the module comment). */
export class SharedProducts implements Gemm {
  readonly name: string;
  private readonly inner: Gemm;
  private readonly maxBytes: number;
  private readonly frozen = new WeakSet<ArrayBufferLike>();
  private readonly ids = new WeakMap<ArrayBufferLike, number>();
  private nextId = 0;
  /** Remembered results, least recently used first. */
  private readonly memo = new Map<string, { bytes: number; value: Float32Array | Selection }>();
  private bytes = 0;
  /** Products served from memory (for tests and benchmarks). */
  hits = 0;

  constructor(inner: Gemm, options: { maxBytes?: number } = {}) {
    this.inner = inner;
    this.name = inner.name;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    if (inner.multiply) this.multiply = inner.multiply.bind(inner);
    if (inner.smallestDistances) {
      const select = inner.smallestDistances.bind(inner);
      this.smallestDistances = async (a, b, bNorms, k) => {
        const key = this.key('select', a, b, String(k));
        const hit = key === undefined ? undefined : (this.take(key) as Selection | undefined);
        if (hit && sameValues(hit.norms, bNorms)) return { values: hit.values.slice(), indices: hit.indices.slice() };
        const r = await select(a, b, bNorms, k);
        if (key !== undefined) this.put(key, { values: r.values.slice(), indices: r.indices.slice(), norms: bNorms.slice() }, r.values.byteLength + r.indices.byteLength + bNorms.byteLength);
        return r;
      };
    }
  }

  /** Declares that the bytes of `buffer` never change from now on (layer features). */
  freeze(buffer: ArrayBufferLike): void {
    this.frozen.add(buffer);
  }

  async multiplyTransposed(a: Matrix, b: Matrix): Promise<Float32Array> {
    const key = this.key('product', a, b, '');
    const hit = key === undefined ? undefined : (this.take(key) as Float32Array | undefined);
    if (hit) return hit.slice();
    const r = await this.inner.multiplyTransposed(a, b);
    if (key !== undefined) this.put(key, r.slice(), r.byteLength);
    return r;
  }

  smallestDistances?: Gemm['smallestDistances'];

  /** `A · B` of the inner engine, never remembered (PCA's products of its own intermediate rows). */
  multiply?: Gemm['multiply'];

  /** The memo key of an operation on two views, or undefined when either is not frozen. */
  private key(op: string, a: Matrix, b: Matrix, extra: string): string | undefined {
    const va = this.view(a);
    const vb = va === undefined ? undefined : this.view(b);
    return vb === undefined ? undefined : `${op}|${va}|${vb}|${extra}`;
  }

  private view(m: Matrix): string | undefined {
    const buffer = m.data.buffer;
    if (!this.frozen.has(buffer)) return undefined;
    let id = this.ids.get(buffer);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(buffer, id);
    }
    return `${id}:${m.data.byteOffset}:${m.rows}x${m.cols}`;
  }

  private take(key: string): Float32Array | Selection | undefined {
    const entry = this.memo.get(key);
    if (!entry) return undefined;
    // The most recently used last (a miss of a selection with other norms still counts as a use).
    this.memo.delete(key);
    this.memo.set(key, entry);
    this.hits++;
    return entry.value;
  }

  private put(key: string, value: Float32Array | Selection, bytes: number): void {
    if (bytes > this.maxBytes) return;
    this.memo.set(key, { bytes, value });
    this.bytes += bytes;
    for (const [k, e] of this.memo) {
      if (this.bytes <= this.maxBytes) break;
      this.memo.delete(k);
      this.bytes -= e.bytes;
    }
  }
}

/** True when two float arrays hold the same bits. */
function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
