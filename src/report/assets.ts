/**
 * Finds the report's templates and assets (`reporters/html/` in the package). tsc does not copy
 * them to dist/, so they are looked up from the package root, which works both from `src/` under
 * Vitest and from `dist/src/` when installed.
 */

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuditError } from '../errors.js';

let cachedRoot: string | undefined;

/** The semantic-audit package root (the folder of its package.json). */
export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        if (JSON.parse(readFileSync(file, 'utf8')).name === 'semantic-audit') return (cachedRoot = dir);
      } catch {
        // not ours; keep looking upwards
      }
    }
    dir = path.dirname(dir);
  }
  throw new AuditError(`Cannot find the semantic-audit package root above ${fileURLToPath(import.meta.url)}; the report templates live in its reporters/html/ folder.`, 'E_INSTALL');
}

/** The folder of the HTML templates and assets. */
export function htmlAssetDir(): string {
  return path.join(packageRoot(), 'reporters', 'html');
}

/** Reads an asset of `reporters/html/` as text, naming the missing file on failure. */
export function readAsset(...parts: string[]): string {
  const file = path.join(htmlAssetDir(), ...parts);
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new AuditError(`Missing report asset ${file}. Reinstall semantic-audit (the package must ship reporters/html/).`, 'E_INSTALL');
  }
}

/** The `.hbs` templates by name (file name without extension). */
export function readTemplates(): Map<string, string> {
  const dir = path.join(htmlAssetDir(), 'templates');
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.hbs'));
  } catch {
    throw new AuditError(`Missing report templates in ${dir}. Reinstall semantic-audit (the package must ship reporters/html/).`, 'E_INSTALL');
  }
  return new Map(names.sort().map((f) => [f.slice(0, -4), readFileSync(path.join(dir, f), 'utf8')]));
}
