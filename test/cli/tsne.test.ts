import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { tsneCommand } from '../../src/cli/commands/tsne.js';
import { formatCsvMatrix, parseCsvMatrix } from '../../src/data/csv-matrix.js';
import { formatNpy, parseNpy } from '../../src/data/npy.js';
import { createMatrix } from '../../src/math/matrix.js';
import { createRandom, randomNormal } from '../../src/math/random.js';
import { embeddingPurity } from '../../src/metrics/embedding-purity.js';

function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  return { stream, text: () => text };
}

let dir: string;
const n = 90;
const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
const features = createMatrix(n, 6);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sa-tsne-cli-'));
  const rnd = createRandom(1);
  for (let i = 0; i < n; i++) for (let c = 0; c < 6; c++) features.data[i * 6 + c] = randomNormal(rnd) + (c === labels[i] ? 12 : 0);
  await writeFile(path.join(dir, 'f.npy'), formatNpy(features));
  await writeFile(path.join(dir, 'f.csv'), `a,b,c,d,e,f\n${formatCsvMatrix(features)}`);
});

async function run(args: string[]) {
  const out = capture();
  const err = capture();
  const code = await tsneCommand(args, { stdout: out.stream, stderr: err.stream });
  return { code, stdout: out.text(), stderr: err.text() };
}

describe('semantic-audit tsne', () => {
  it('reads .npy, writes .npy, prints {kl, iterations, ms} with --json', async () => {
    const out = path.join(dir, 'e.npy');
    const r = await run(['--input', path.join(dir, 'f.npy'), '--out', out, '--perplexity', '10', '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { kl: number; iterations: number; ms: number };
    expect(Object.keys(json)).toEqual(['kl', 'iterations', 'ms']);
    expect(json.iterations).toBe(625);
    expect(json.kl).toBeGreaterThan(0);
    const emb = parseNpy(await readFile(out));
    expect([emb.rows, emb.cols]).toEqual([n, 2]);
    expect((await embeddingPurity(emb, labels, 3, 5)).micro).toBe(1);
  });

  it('reads CSV with a header, writes 3-D CSV, and is reproducible for a seed', async () => {
    const a = path.join(dir, 'a.csv');
    const b = path.join(dir, 'b.csv');
    const r = await run(['--input', path.join(dir, 'f.csv'), '--out', a, '--dims', '3', '--perplexity', '10', '--seed', '4']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Embedded 90 x 6 into 3-D in [\d.]+ s \(exact, 625 iterations, perplexity 10\): KL [\d.]+ -> .*a\.csv\n$/);
    await run(['--input', path.join(dir, 'f.npy'), '--out', b, '--dims', '3', '--perplexity', '10', '--seed', '4']);
    const ta = await readFile(a, 'utf8');
    expect(ta).toBe(await readFile(b, 'utf8'));
    const m = parseCsvMatrix(ta).matrix;
    expect([m.rows, m.cols]).toEqual([n, 3]);
  });

  it('rejects bad usage with AuditErrors the CLI prints (exit 2)', async () => {
    const f = path.join(dir, 'f.npy');
    await expect(run(['--out', 'x.npy'])).rejects.toThrow('Missing --input <features.npy|.csv>. Run semantic-audit tsne --help for the options');
    await expect(run(['--input', f])).rejects.toThrow('Missing --out <embedding.npy|.csv>');
    await expect(run(['--input', f, '--out', 'e.txt'])).rejects.toThrow('Expected a file ending in .npy or .csv for --out but received "e.txt"');
    await expect(run(['--input', f, '--out', 'e.npy', '--dims', '4'])).rejects.toThrow('Expected 2 or 3 for --dims but received "4"');
    await expect(run(['--input', f, '--out', 'e.npy', '--perplexity=-3'])).rejects.toThrow('Expected number > 0 for --perplexity but received "-3"');
    await expect(run(['--input', f, '--out', 'e.npy', '--perplexity', '40'])).rejects.toThrow('Expected number in (0, 29.66] for perplexity but received 40');
    await expect(run(['--input', path.join(dir, 'missing.npy'), '--out', 'e.npy'])).rejects.toThrow(/Cannot read .*missing\.npy: ENOENT/);
    await expect(run(['--input', f, '--out', 'e.npy', '--bogus'])).rejects.toThrow("Unknown option '--bogus'. Run semantic-audit tsne --help for the options.");
    await expect(run(['--input', f, '--out', 'e.npy', '--perplex', '5'])).rejects.toThrow("Unknown option '--perplex'. Did you mean --perplexity? Run semantic-audit tsne --help for the options.");
    const h = await run(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('Usage: semantic-audit tsne --input <features.npy|.csv> --out <embedding.npy|.csv>');
  });
});

describe('npy and CSV matrices', () => {
  it('round-trip float32 values exactly', () => {
    const m = createMatrix(3, 2, Float32Array.from([0.1, -2.5e-7, 3, 1e30, -1.5, 7.25]));
    expect(parseNpy(formatNpy(m)).data).toEqual(m.data);
    expect(parseCsvMatrix(formatCsvMatrix(m)).matrix.data).toEqual(m.data);
    // The .npy header is padded to a multiple of 64 bytes.
    const bytes = formatNpy(m);
    expect((10 + (bytes[8] | (bytes[9] << 8))) % 64).toBe(0);
  });

  it('read float64, Fortran-order and big-endian .npy', () => {
    const header = (descr: string, fortran: boolean) => {
      let h = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (2, 3), }`;
      h += ' '.repeat((64 - ((10 + h.length + 1) % 64)) % 64) + '\n';
      const b = new Uint8Array(10 + h.length);
      b.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 255, h.length >> 8]);
      for (let i = 0; i < h.length; i++) b[10 + i] = h.charCodeAt(i);
      return b;
    };
    const values = [1, 2, 3, 4, 5, 6];
    const f8 = new Uint8Array(new Float64Array(values).buffer);
    const file = (h: Uint8Array, body: Uint8Array) => {
      const b = new Uint8Array(h.length + body.length);
      b.set(h);
      b.set(body, h.length);
      return b;
    };
    expect(Array.from(parseNpy(file(header('<f8', false), f8)).data)).toEqual(values);
    const fortranBody = new Uint8Array(new Float64Array([1, 4, 2, 5, 3, 6]).buffer);
    expect(Array.from(parseNpy(file(header('<f8', true), fortranBody)).data)).toEqual(values);
    const be = new Uint8Array(24);
    values.forEach((v, i) => new DataView(be.buffer).setFloat32(4 * i, v, false));
    expect(Array.from(parseNpy(file(header('>f4', false), be)).data)).toEqual(values);
    expect(() => parseNpy(file(header('<c8', false), f8), 'z.npy')).toThrow('z.npy: unsupported .npy dtype <c8; expected float16/32/64 or an integer type');
    expect(() => parseNpy(new Uint8Array(20), 'bad.npy')).toThrow('bad.npy is not a .npy file');
  });

  it('CSV: detects a header, rejects ragged rows and non-numbers with the line', () => {
    const r = parseCsvMatrix('x,y\n1,2\n3,4\n', 'p.csv');
    expect(r.header).toEqual(['x', 'y']);
    expect(Array.from(r.matrix.data)).toEqual([1, 2, 3, 4]);
    expect(parseCsvMatrix('1,2\r\n\r\n3,4').header).toBeUndefined();
    expect(() => parseCsvMatrix('1,2\n3\n', 'p.csv')).toThrow('p.csv line 2 has 1 values but earlier lines have 2');
    expect(() => parseCsvMatrix('1,2\n3,abc\n', 'p.csv')).toThrow('p.csv line 2, column 2: expected a number but received "abc"');
    expect(Number.isNaN(parseCsvMatrix('1,nan').matrix.data[1])).toBe(true);
  });
});
