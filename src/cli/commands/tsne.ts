/**
 * `semantic-audit tsne`: embeds a feature matrix (.npy or .csv, one row per image) in 2-D or 3-D
 * with t-SNE and writes the embedding (.npy or .csv, by the extension of --out).
 */

import path from 'node:path';
import { formatCsvMatrix, readCsvMatrix } from '../../data/csv-matrix.js';
import { formatNpy, readNpy } from '../../data/npy.js';
import { TSNE_METHODS, type TsneMethod, tsne } from '../../embed/tsne.js';
import { AuditError, checkChoice, paramError } from '../../errors.js';
import { type Matrix, createMatrix } from '../../math/matrix.js';
import { sharedOrtGemm } from '../../model/ort-gemm.js';
import { parseIntOption } from '../args.js';
import type { CliIO } from '../io.js';
import { parseCommandArgs } from '../parse.js';
import { createProgress } from '../progress.js';
import { probeOutput, writeFileAtomically } from '../../output/write-file.js';

/** Help text of `semantic-audit tsne`. */
export const TSNE_HELP = `Usage: semantic-audit tsne --input <features.npy|.csv> --out <embedding.npy|.csv> [options]

Embeds the rows of a feature matrix with t-SNE (exact k-NN affinities, PCA initialisation, early
exaggeration 12 for 250 iterations then 500 more; exact, Barnes-Hut or FFT-accelerated repulsion).
Input: a 2-D float/int .npy, or a CSV of numbers (a first line with any non-numeric field is a
header and is skipped). Output: N x dims float32 .npy, or CSV without header.

Options:
  --input <file>        features, one row per point (required)
  --out <file>          embedding file; .npy or .csv (required)
  --dims <2|3>          embedding dimensions (default 2)
  --perplexity <x>      effective neighbours, at most (N - 1) / 3 (default 30)
  --seed <n>            seed of every random step (default 0)
  --method <m>          auto | exact | barnes-hut | fft (default auto)
  --json                print {"kl", "iterations", "ms"} on stdout instead of a summary line
Exit codes: 0 done, 2 bad usage or input.`;

const FORMATS = ['.npy', '.csv'] as const;

function formatOf(option: string, file: string): '.npy' | '.csv' {
  const ext = path.extname(file).toLowerCase();
  if (ext !== '.npy' && ext !== '.csv') {
    throw paramError(option, `a file ending in ${FORMATS.join(' or ')}`, file);
  }
  return ext;
}

/** Runs `semantic-audit tsne`; returns the exit code. */
export async function tsneCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs('tsne', argv, {
    input: { type: 'string' },
    out: { type: 'string' },
    dims: { type: 'string' },
    perplexity: { type: 'string' },
    seed: { type: 'string' },
    method: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  } as const);
  if (values.help) {
    io.stdout.write(`${TSNE_HELP}\n`);
    return 0;
  }
  if (!values.input) throw new AuditError('Missing --input <features.npy|.csv>. Run semantic-audit tsne --help for the options', 'E_USAGE');
  if (!values.out) throw new AuditError('Missing --out <embedding.npy|.csv>. Run semantic-audit tsne --help for the options', 'E_USAGE');
  const inFormat = formatOf('--input', values.input);
  const outFormat = formatOf('--out', values.out);
  const dims = parseIntOption('--dims', values.dims, 1) ?? 2;
  if (dims !== 2 && dims !== 3) throw paramError('--dims', '2 or 3', values.dims);
  let perplexity = 30;
  if (values.perplexity !== undefined) {
    perplexity = Number(values.perplexity);
    if (values.perplexity.trim() === '' || !Number.isFinite(perplexity) || perplexity <= 0) throw paramError('--perplexity', 'number > 0', values.perplexity);
  }
  const seed = parseIntOption('--seed', values.seed, 0) ?? 0;
  const method = checkChoice('--method', values.method ?? 'auto', TSNE_METHODS) as TsneMethod;

  await probeOutput(values.out, 'file', { what: '--out', fs: io.fs });
  const input: Matrix = inFormat === '.npy' ? await readNpy(values.input) : (await readCsvMatrix(values.input)).matrix;
  if (input.cols === 0 || input.rows < 2) {
    throw paramError('--input', 'a matrix of at least 2 rows and 1 column (one row of features per point)', `${input.rows} x ${input.cols} in ${values.input}`);
  }
  const t0 = performance.now();
  const status = createProgress(io.stderr);
  status.step(`t-SNE of ${input.rows} x ${input.cols}`);
  const result = await tsne(input, { dims, perplexity, seed, method, gemm: await sharedOrtGemm(), onProgress: io.stderr.isTTY ? (it) => status.detail(`iteration ${it}`) : undefined });
  status.done();
  const ms = performance.now() - t0;
  const embedding = createMatrix(input.rows, dims, result.embedding);
  await writeFileAtomically(values.out, outFormat === '.npy' ? formatNpy(embedding) : formatCsvMatrix(embedding), { what: '--out', fs: io.fs });
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ kl: result.kl, iterations: result.iterations, ms: Math.round(ms) })}\n`);
  } else {
    io.stdout.write(
      `Embedded ${input.rows} x ${input.cols} into ${dims}-D in ${(ms / 1000).toFixed(1)} s (${result.method}, ${result.iterations} iterations, perplexity ${perplexity}): KL ${result.kl.toFixed(4)}${result.klExact ? '' : ' (estimated)'} -> ${values.out}\n`,
    );
  }
  return 0;
}
