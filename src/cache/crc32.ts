/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial 0xEDB88320) of a byte range: the integrity check
 * of activation-cache entries. Uses `zlib.crc32` (Node >= 20.15, native and fast) when present,
 * else a slicing-by-8 table implementation with the same results.
 */

import zlib from 'node:zlib';

let tables: Uint32Array[] | undefined;

/** The byte table and its seven shifted versions (slicing-by-8: eight bytes per step). */
function crcTables(): Uint32Array[] {
  if (tables) return tables;
  const t0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t0[n] = c >>> 0;
  }
  tables = [t0];
  for (let k = 1; k < 8; k++) {
    const prev = tables[k - 1];
    const t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) t[n] = (prev[n] >>> 8) ^ t0[prev[n] & 0xff];
    tables.push(t);
  }
  return tables;
}

/**
 * CRC-32 in JavaScript, slicing-by-8 (the fallback when `zlib.crc32` is missing; exported for
 * tests). Returns an unsigned 32-bit integer.
 */
export function crc32Js(bytes: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = crcTables();
  const b = bytes;
  const n = b.length;
  let c = 0xffffffff;
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const lo = c ^ (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24));
    const hi = b[i + 4] | (b[i + 5] << 8) | (b[i + 6] << 16) | (b[i + 7] << 24);
    c = t7[lo & 0xff] ^ t6[(lo >>> 8) & 0xff] ^ t5[(lo >>> 16) & 0xff] ^ t4[lo >>> 24] ^ t3[hi & 0xff] ^ t2[(hi >>> 8) & 0xff] ^ t1[(hi >>> 16) & 0xff] ^ t0[hi >>> 24];
  }
  for (; i < n; i++) c = t0[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const native = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 of `bytes` as an unsigned 32-bit integer (`crc32('123456789') = 0xCBF43926`). */
export function crc32(bytes: Uint8Array): number {
  return native ? native(bytes) >>> 0 : crc32Js(bytes);
}
