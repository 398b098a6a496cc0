/**
 * Reads one file out of a zip archive in memory: what the action needs of a downloaded report
 * artefact (`report.json`), without unpacking the rest. Follows the central directory (APPNOTE
 * 6.3, sections 4.3.12 and 4.3.16), so entries written with data descriptors (sizes after the
 * data, as streaming zippers do) are read correctly. Stored and deflated entries; no zip64, no
 * encryption. Pure apart from zlib.
 */

import { inflateRawSync } from 'node:zlib';

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function fail(what: string): never {
  throw new Error(`Not a readable zip archive: ${what}`);
}

/** Names of the files in `zip`, in central-directory order. */
export function zipEntries(zip: Buffer): { name: string; method: number; compressedSize: number; size: number; localOffset: number }[] {
  // The end-of-central-directory record is 22 bytes plus a comment of at most 65,535.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail('no end-of-central-directory record');
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || p === 0xffffffff) fail('zip64 archives are not supported');
  const out = [];
  for (let n = 0; n < count; n++) {
    if (p + 46 > zip.length || zip.readUInt32LE(p) !== CENTRAL) fail(`central directory entry ${n} is damaged`);
    const flags = zip.readUInt16LE(p + 8);
    if (flags & 1) fail('encrypted entries are not supported');
    const nameLength = zip.readUInt16LE(p + 28);
    const entry = {
      method: zip.readUInt16LE(p + 10),
      compressedSize: zip.readUInt32LE(p + 20),
      size: zip.readUInt32LE(p + 24),
      localOffset: zip.readUInt32LE(p + 42),
      name: zip.subarray(p + 46, p + 46 + nameLength).toString('utf8'),
    };
    if (entry.compressedSize === 0xffffffff || entry.size === 0xffffffff || entry.localOffset === 0xffffffff) fail('zip64 entries are not supported');
    out.push(entry);
    p += 46 + nameLength + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
  }
  return out;
}

/**
 * The bytes of the file called `name` (a path inside the archive, `/` separated; a leading `./`
 * is ignored), or undefined when the archive has none. Refuses entries larger than `maxBytes`.
 */
export function readZipEntry(zip: Buffer, name: string, maxBytes = 256 * 1024 * 1024): Buffer | undefined {
  const entry = zipEntries(zip).find((e) => e.name.replace(/^\.\//, '') === name);
  if (!entry) return undefined;
  if (entry.size > maxBytes) fail(`${name} is ${entry.size} bytes, over the ${maxBytes}-byte limit`);
  const l = entry.localOffset;
  if (l + 30 > zip.length || zip.readUInt32LE(l) !== LOCAL) fail(`the local header of ${name} is damaged`);
  const start = l + 30 + zip.readUInt16LE(l + 26) + zip.readUInt16LE(l + 28);
  const data = zip.subarray(start, start + entry.compressedSize);
  if (data.length !== entry.compressedSize) fail(`${name} is cut short`);
  let bytes: Buffer;
  if (entry.method === 0) bytes = Buffer.from(data);
  else if (entry.method === 8) bytes = inflateRawSync(data, { maxOutputLength: Math.max(1, entry.size) });
  else fail(`${name} uses compression method ${entry.method} (only stored and deflated entries are read)`);
  if (bytes.length !== entry.size) fail(`${name} inflates to ${bytes.length} bytes, not the ${entry.size} its header says`);
  return bytes;
}
