/**
 * Extracts the TypeScript and shell examples of the Markdown docs (README.md, docs/*.md) for
 * test/readme: each fenced block tagged ts/typescript or sh/bash/shell, with its file and line.
 * A block whose first line is a comment `not run: <reason>` is listed with that reason and not
 * run. Pure: text in, blocks out.
 */

/** One example. */
export interface Example {
  /** Markdown file, relative to the repository. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: 'ts' | 'sh';
  code: string;
  /** Reason given by a `not run:` marker. */
  notRun?: string;
  /** For ts: `config` (a vitest.config.ts), `test` (a test file), `fragment` (statements for a test body). */
  kind?: 'config' | 'test' | 'fragment';
}

const LANGS: Record<string, 'ts' | 'sh'> = { ts: 'ts', typescript: 'ts', sh: 'sh', bash: 'sh', shell: 'sh' };

/** The runnable examples of one Markdown text. */
export function extractExamples(markdown: string, file: string): Example[] {
  const out: Example[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    let j = i + 1;
    while (j < lines.length && !/^```\s*$/.test(lines[j])) j++;
    const lang = LANGS[open[1]];
    if (lang) {
      const code = lines.slice(i + 1, j).join('\n');
      const first = code.split('\n').find((l) => l.trim() !== '') ?? '';
      const marker = /^\s*(?:\/\/|#)\s*not run:\s*(.+)$/.exec(first);
      const ex: Example = { file, line: i + 1, lang, code };
      if (marker) ex.notRun = marker[1].trim();
      if (lang === 'ts') ex.kind = /\bdefineConfig\b/.test(code) ? 'config' : /^\s*(test|it|describe)\(/m.test(code) ? 'test' : 'fragment';
      out.push(ex);
    }
    i = j;
  }
  return out;
}

/** Splits a fragment into its import lines (hoisted to the module) and its statements. */
export function splitImports(code: string): { imports: string[]; body: string[] } {
  const imports: string[] = [];
  const body: string[] = [];
  for (const l of code.split('\n')) (/^import\s/.test(l) ? imports : body).push(l);
  return { imports, body };
}
