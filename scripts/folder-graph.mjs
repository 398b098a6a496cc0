#!/usr/bin/env node
// Prints the import graph between the folders of src/ (folder -> folders it imports), and exports
// the parser for test/structure/folder-graph.test.ts. Every kind of import counts: static
// `import`/`export ... from`, `import type`, inline `import('...')` types and dynamic `import()`.
// Usage: node scripts/folder-graph.mjs [srcDir]
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** All .ts files under `dir`, recursively. */
export function sourceFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out.sort();
}

/** Every module specifier a TypeScript source imports, of any kind. */
export function importSpecifiers(text, fileName = 'file.ts') {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const specifiers = [];
  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      specifiers.push(node.argument.literal.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteralLike(arg)) specifiers.push(arg.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expr = node.moduleReference.expression;
      if (ts.isStringLiteral(expr)) specifiers.push(expr.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers;
}

/**
 * The node of a file under src/: its top folder, or for files directly in src/ the file itself
 * (`index.ts` sits above everything, `errors.ts` and `version.ts` below everything).
 */
function folderOf(srcDir, file) {
  const rel = relative(srcDir, file).split(sep);
  return rel.length > 1 ? rel[0] : rel[0].replace(/\.js$/, '.ts');
}

/**
 * The folder graph of `srcDir`: folder -> sorted set of other folders it imports, plus the
 * file-level edges behind each folder edge (for messages).
 */
export function folderGraph(srcDir) {
  const root = resolve(srcDir);
  const graph = new Map();
  const edges = [];
  for (const file of sourceFiles(root)) {
    const from = folderOf(root, file);
    if (!graph.has(from)) graph.set(from, new Set());
    for (const spec of importSpecifiers(readFileSync(file, 'utf8'), file)) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(root + sep)) continue;
      const to = folderOf(root, target);
      if (to === from) continue;
      graph.get(from).add(to);
      edges.push({ from, to, file: relative(root, file), spec });
    }
  }
  return { graph, edges };
}

/** Cycles between folders (each as a path of folder names), found by depth-first search. */
export function folderCycles(graph) {
  const cycles = [];
  const state = new Map();
  const stack = [];
  const visit = (node) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

/** The graph as text, one `folder -> a, b` line per folder. */
export function formatGraph(graph) {
  return [...graph.keys()].sort().map((k) => `${k} -> ${[...graph.get(k)].sort().join(', ') || '(nothing)'}`).join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const srcDir = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
  const { graph } = folderGraph(srcDir);
  console.log(formatGraph(graph));
  const cycles = folderCycles(graph);
  console.log(cycles.length ? `cycles:\n${cycles.map((c) => '  ' + c.join(' -> ')).join('\n')}` : 'cycles: none');
}
