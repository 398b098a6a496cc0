#!/usr/bin/env node
/**
 * The `semantic-audit` command line. User errors print one clear message (no stack trace) and
 * exit 2; a failed threshold exits 1. A closed stdout (`| head`) ends quietly with the same code.
 */

import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AuditError } from '../errors.js';
import { VERSION } from '../version.js';
import { auditCommand } from './commands/audit.js';
import { layersCommand } from './commands/layers.js';
import { type CliIO, ignoreClosedPipe } from './io.js';
import { closestName } from './parse.js';
import { isOutputFsError } from '../output/output-error.js';

type Command = (argv: string[], io: CliIO) => Promise<number>;

/** Subcommands by name. */
export const COMMANDS: Record<string, { run: Command; summary: string }> = {
  audit: { run: auditCommand, summary: 'k-NN class purity of model layers; writes report.json' },
  layers: { run: layersCommand, summary: 'list the layers of an ONNX model' },
  compare: { run: (argv, io) => import('./commands/compare.js').then((m) => m.compareCommand(argv, io)), summary: 'diff two report.json files; exit 1 on a regression beyond --tolerance' },
  extract: { run: (argv, io) => import('./commands/extract.js').then((m) => m.extractCommand(argv, io)), summary: 'write the activations of one shard of the images (for CI matrices)' },
  tsne: { run: (argv, io) => import('./commands/tsne.js').then((m) => m.tsneCommand(argv, io)), summary: 'embed a feature file (.npy or .csv) in 2-D or 3-D with t-SNE' },
};

function usage(): string {
  const cmds = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`).join('\n');
  return `semantic-audit ${VERSION}: audit what an image classifier has learned\n\nUsage: semantic-audit <command> [options]\n\nCommands:\n${cmds}\n\nRun semantic-audit <command> --help for a command's options.`;
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    const near = closestName(name.replace(/^-+/, ''), Object.keys(COMMANDS));
    io.stderr.write(`semantic-audit: unknown command ${JSON.stringify(name)}.${near ? ` Did you mean ${near}?` : ''} Commands: ${Object.keys(COMMANDS).join(', ')}\n`);
    return 2;
  }
  try {
    return await cmd.run(rest, io);
  } catch (err) {
    const e = err as Error & { code?: string };
    if (typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS')) {
      const msg = e.message.split('. To specify a positional')[0].replace(/\.$/, '');
      io.stderr.write(`semantic-audit ${name}: ${msg}. Run semantic-audit ${name} --help for the options.\n`);
      return 2;
    }
    if (err instanceof AuditError) {
      io.stderr.write(`semantic-audit ${name}: ${e.message}\n`);
      return 2;
    }
    // A file-system failure no command anticipated: one line naming the path, not a stack trace.
    if (isOutputFsError(err)) {
      const p = (err as NodeJS.ErrnoException).path;
      io.stderr.write(`semantic-audit ${name}: file-system error${p ? ` on ${p}` : ''}: ${e.message}\n`);
      return 2;
    }
    throw err;
  }
}

function isEntryPoint(): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  ignoreClosedPipe(process.stdout, 'standard output', (m) => process.stderr.write(m));
  ignoreClosedPipe(process.stderr, 'standard error');
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = process.exitCode || code;
    },
    (err) => {
      process.stderr.write(`semantic-audit: internal error: ${(err as Error).stack ?? err}\n`);
      process.exitCode = 70;
    },
  );
}
