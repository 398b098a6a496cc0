import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(import.meta.dirname, '..', '..');

/** Every name `src/index.ts` exports (values and types), read by the TypeScript checker. */
function exportedNames(): string[] {
  const entry = path.join(ROOT, 'src', 'index.ts');
  const program = ts.createProgram([entry], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, noEmit: true });
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(entry)!;
  const symbol = checker.getSymbolAtLocation(file)!;
  return checker.getExportsOfModule(symbol).map((s) => s.getName()).sort();
}

/**
 * What the README's "Library API" section documents: `lead`, the first backticked identifier of
 * each list item (the thing the item is about, which must be exported), and `all`, every
 * backticked identifier in the list items (each export must appear in one).
 */
function documentedNames(): { lead: string[]; all: string[] } {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Library API');
  expect(start, 'README.md has a "## Library API" section').toBeGreaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const lead = new Set<string>();
  const all = new Set<string>();
  for (const line of section.split('\n')) {
    if (!/^\s*[-*] /.test(line)) continue;
    const first = /^\s*[-*] `([A-Za-z_$][\w$]*)/.exec(line);
    if (first) lead.add(first[1]);
    for (const m of line.matchAll(/`([A-Za-z_$][\w$]*)/g)) all.add(m[1]);
  }
  return { lead: [...lead].sort(), all: [...all].sort() };
}

describe('public API', () => {
  it('the README documents exactly what src/index.ts exports', () => {
    const exported = exportedNames();
    const documented = documentedNames();
    expect({ undocumented: exported.filter((n) => !documented.all.includes(n)), notExported: documented.lead.filter((n) => !exported.includes(n)) }).toEqual({ undocumented: [], notExported: [] });
  });

  it('renderer internals stay internal', () => {
    const exported = exportedNames();
    for (const internal of ['buildPage', 'svgToPng', 'readSeparation', 'readTsne', 'tsneEmbedding', 'paramError', 'createRandom', 'jsGemm']) {
      expect(exported).not.toContain(internal);
    }
  });
});
