import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript script without type declarations (also run by `node scripts/folder-graph.mjs`).
import { folderCycles, folderGraph, importSpecifiers } from '../../scripts/folder-graph.mjs';

type Graph = Map<string, Set<string>>;
type Edge = { from: string; to: string; file: string; spec: string };
const SRC = path.join(import.meta.dirname, '..', '..', 'src');

/**
 * The layers of the architecture, highest first: a folder may import only folders of a lower
 * rank. `cli | vitest | action | report -> audit -> {source, cache} -> {model, data} -> {math,
 * metrics, embed}`, with `shard` (extraction shards) between source and cache, `baseline` between
 * the consumers and `audit`, `config` (the config file) and `gates` (gate expressions) just below
 * `audit`, `result` (the report contract) below them, `output` (writing output files and
 * directories whole) below everything that writes, `format` (Markdown, numbers, the focus
 * layer) above `errors.ts` and `version.ts` at the bottom. A new folder must be placed here.
 */
const RANK: Record<string, number> = {
  'index.ts': 100,
  cli: 90,
  action: 90,
  vitest: 90,
  report: 80,
  baseline: 70,
  audit: 60,
  config: 58,
  gates: 57,
  result: 55,
  source: 50,
  shard: 45,
  cache: 40,
  output: 35,
  model: 30,
  data: 25,
  metrics: 20,
  embed: 20,
  math: 10,
  // Markdown and number formatting and the focus-layer rule: pure, imports nothing of src/.
  format: 5,
  'errors.ts': 0,
  'version.ts': 0,
};

describe('import parser', () => {
  it('finds static, type-only, re-export, inline type and dynamic imports', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from '../b/b.js';",
      "export { c } from './c.js';",
      "export * from './d.js';",
      "let x: import('../e/e.js').E;",
      "const f = await import('../f/f.js');",
      "import './g.js';",
      "// import { no } from './comment.js';",
      "const s = \"import('./string.js')\";",
    ].join('\n');
    expect(importSpecifiers(text)).toEqual(['./a.js', '../b/b.js', './c.js', './d.js', '../e/e.js', '../f/f.js', './g.js']);
  });

  it('finds a cycle between folders', () => {
    const g: Graph = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
      ['d', new Set(['a'])],
    ]);
    expect(folderCycles(g)).toEqual([['a', 'b', 'c', 'a']]);
    expect(folderCycles(new Map([['a', new Set(['b'])], ['b', new Set()]]))).toEqual([]);
  });
});

describe('folder graph of src/', () => {
  const { graph, edges } = folderGraph(SRC) as { graph: Graph; edges: Edge[] };
  const where = (from: string, to: string) =>
    edges
      .filter((e) => e.from === from && e.to === to)
      .map((e) => `${e.file} imports ${e.spec}`)
      .join('; ');

  it('has no cycle between folders', () => {
    expect(folderCycles(graph)).toEqual([]);
  });

  it('model/ imports nothing from cache/ or audit/ (nor anything above them)', () => {
    const bad = [...graph.get('model')!].filter((to) => RANK[to] === undefined || RANK[to] >= RANK.cache);
    expect(bad.map((to) => where('model', to))).toEqual([]);
  });

  it('every import points down the layers', () => {
    const unknown = [...graph.keys()].filter((f) => RANK[f] === undefined);
    expect(unknown, 'a new folder of src/: give it a rank in RANK').toEqual([]);
    const upward: string[] = [];
    for (const [from, tos] of graph) for (const to of tos) if (!(RANK[from] > RANK[to])) upward.push(`${from} -> ${to} (${where(from, to)})`);
    expect(upward).toEqual([]);
  });
});
