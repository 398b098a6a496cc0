import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareReports } from '../../src/baseline/compare.js';
import type { Comparison } from '../../src/baseline/comparison-types.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/images.js';
import { type FakeLayer, fakeReport } from './fake-report.js';

const before: FakeLayer = {
  name: 'pool5',
  images: [
    ['test/cat/1.png', 'cat', ['cat', 'cat', 'cat', 'cat']],
    ['test/cat/2.png', 'cat', ['cat', 'cat', 'cat', 'dog']],
    ['test/dog/1.png', 'dog', ['dog', 'dog', 'dog', 'dog']],
    ['test/dog/2.png', 'dog', ['dog', 'dog', 'cat', 'cat']],
  ],
};
const after: FakeLayer = {
  name: 'pool5',
  images: [
    ['test/cat/1.png', 'cat', ['cat', 'cat', 'dog', 'dog']],
    ['test/cat/2.png', 'cat', ['cat', 'cat', 'cat', 'cat']],
    ['test/dog/1.png', 'dog', ['dog', 'dog', 'dog', 'dog']],
    ['test/dog/2.png', 'dog', ['dog', 'cat', 'cat', 'cat']],
  ],
};

let dir: string;
let baseFile: string;
let worseFile: string;

beforeAll(async () => {
  dir = await tempDir();
  baseFile = path.join(dir, 'base.json');
  worseFile = path.join(dir, 'pr', 'report.json');
  await mkdir(path.dirname(worseFile));
  await writeFile(baseFile, JSON.stringify(fakeReport({ layers: [before] })));
  await writeFile(worseFile, JSON.stringify(fakeReport({ layers: [after], modelSha: 'b'.repeat(64) })));
});

describe('semantic-audit compare', () => {
  it('prints the diff table of every metric and class, the neighbour diff, and exits 1 on a regression', () => {
    const r = runCli(['compare', baseFile, path.dirname(worseFile)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Model: changed (aaaaaaaaaaaa -> bbbbbbbbbbbb)\nProbe set: same\n');
    expect(r.stdout).toContain(
      [
        'Metrics (tolerance 0.02; gated: purity.micro, purity.macro)',
        'layer  metric        before  after   delta  status',
        '-----  ------------  ------  -----  ------  ---------',
        'pool5  purity.micro   0.813  0.688  -0.125  REGRESSED',
        'pool5  purity.macro   0.813  0.688  -0.125  REGRESSED',
      ].join('\n'),
    );
    expect(r.stdout).toContain('Per-class purity (not gated; set --per-class-tolerance to gate it)\nlayer  class  before  after   delta  status\n-----  -----  ------  -----  ------  ------\npool5  cat     0.875  0.750  -0.125\npool5  dog     0.750  0.625  -0.125\n');
    expect(r.stdout).toContain(
      [
        'Same-class neighbours per query image',
        'layer  k  compared  lost  gained  unchanged  net',
        '-----  -  --------  ----  ------  ---------  ---',
        'pool5  4         4     2       1          1   -2',
        '  pool5, most changed:',
        '    test/cat/1.png (cat): 4/4 -> 2/4 (-2)',
        '    test/dog/2.png (dog): 2/4 -> 1/4 (-1)',
        '    test/cat/2.png (cat): 3/4 -> 4/4 (+1)',
      ].join('\n'),
    );
    expect(r.stdout.endsWith('REGRESSED: 2 metrics dropped more than the tolerance\n  pool5 purity.micro 0.813 -> 0.688 (-0.125, tolerance 0.02)\n  pool5 purity.macro 0.813 -> 0.688 (-0.125, tolerance 0.02)\n')).toBe(true);
  });

  it('gates each class with --per-class-tolerance', () => {
    const r = runCli(['compare', baseFile, worseFile, '--tolerance', '0.5', '--per-class-tolerance', '0.1']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Per-class purity (tolerance 0.1)\nlayer  class  before  after   delta  status\n-----  -----  ------  -----  ------  ---------\npool5  cat     0.875  0.750  -0.125  REGRESSED\n');
    expect(r.stdout.endsWith('REGRESSED: 2 classes dropped more than the tolerance\n  pool5 purity of cat 0.875 -> 0.750 (-0.125, tolerance 0.1)\n  pool5 purity of dog 0.750 -> 0.625 (-0.125, tolerance 0.1)\n')).toBe(true);
  });

  it('passes within the tolerance and on an improvement', () => {
    expect(runCli(['compare', baseFile, worseFile, '--tolerance', '0.2']).code).toBe(0);
    const r = runCli(['compare', worseFile, baseFile]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('OK, improved: 2 metrics rose by more than the tolerance\n  pool5 purity.micro 0.688 -> 0.813 (+0.125, tolerance 0.02)');
  });

  it('prints the Comparison as JSON with --json, the same object compareReports returns', async () => {
    const r = runCli(['compare', baseFile, worseFile, '--json', '--per-class-tolerance', '0.05']);
    expect(r.code).toBe(1);
    const c = JSON.parse(r.stdout) as Comparison;
    const expected = compareReports(JSON.parse(await readFile(baseFile, 'utf8')), JSON.parse(await readFile(worseFile, 'utf8')), { perClassTolerance: 0.05, sources: { before: baseFile, after: worseFile } });
    expect(c).toEqual(expected);
    expect(c.classes.every((x) => x.regressed)).toBe(true);
  });

  it('writes Markdown with --markdown', async () => {
    const md = path.join(dir, 'cmp.md');
    expect(runCli(['compare', baseFile, worseFile, '--markdown', md]).code).toBe(1);
    const text = await readFile(md, 'utf8');
    expect(text).toContain('### Semantic baseline: REGRESSED: 2 metrics dropped more than the tolerance');
    expect(text).toContain('| pool5 | purity.micro | 0.813 | 0.688 | -0.125 | :x: regressed |');
    expect(text).toContain('| pool5 | test/cat/1.png | cat | 4/4 | 2/4 | -2 |');
  });

  it('gates only the chosen metrics, and refuses one no layer has', async () => {
    const sep = (s: number) => ({ features: { silhouette: s } });
    const a = path.join(dir, 'sep-a.json');
    const b = path.join(dir, 'sep-b.json');
    await writeFile(a, JSON.stringify(fakeReport({ layers: [{ ...before, separation: sep(0.5) }] })));
    await writeFile(b, JSON.stringify(fakeReport({ layers: [{ ...after, separation: sep(0.51) }] })));
    const r = runCli(['compare', a, b, '--metrics', 'silhouette']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Metrics (tolerance 0.02; gated: silhouette)\n');
    expect(r.stdout).toContain('pool5  purity.micro   0.813  0.688  -0.125\npool5  purity.macro   0.813  0.688  -0.125\npool5  silhouette     0.500  0.510  +0.010  ok\n');
    const none = runCli(['compare', baseFile, worseFile, '--metrics', 'purity,silhouette']);
    expect([none.code, none.stderr]).toEqual([2, 'semantic-audit compare: metric silhouette is not computed for any layer of either report; available: purity.micro, purity.macro. Leave it out of --metrics, or audit with the stage that computes it.\n']);
    // --gate is the new name; --metrics (deprecated) still works; both at once is a usage error.
    const g = runCli(['compare', a, b, '--gate', 'silhouette']);
    expect([g.code, g.stdout]).toEqual([r.code, r.stdout]);
    expect(runCli(['compare', a, b, '--gate', 'purity', '--metrics', 'purity']).stderr).toBe('semantic-audit compare: Pass --gate or its deprecated name --metrics, not both.\n');
    expect(runCli(['compare', a, b, '--gate', 'silhoute']).stderr).toContain('for --gate but received "silhoute". Did you mean "silhouette"?');
  });

  it('exits 2 with one clear line on bad input', async () => {
    const missing = runCli(['compare', path.join(dir, 'nope.json'), worseFile]);
    expect([missing.code, missing.stdout, missing.stderr]).toEqual([2, '', `semantic-audit compare: The baseline report ${path.join(dir, 'nope.json')} does not exist. Pass a report.json written by semantic-audit audit (or its report directory).\n`]);
    const bad = path.join(dir, 'bad.json');
    await writeFile(bad, '{"hello": 1}');
    expect(runCli(['compare', bad, worseFile]).stderr).toBe(`semantic-audit compare: The baseline report ${bad} is not a semantic-audit report.json (no "layers" or "reports").\n`);
    expect(runCli(['compare', baseFile, worseFile, '--tolerance=-1']).stderr).toBe('semantic-audit compare: Expected number >= 0 for --tolerance but received "-1"\n');
    expect(runCli(['compare', baseFile]).stderr).toBe('semantic-audit compare: Usage: semantic-audit compare <baseline report.json> <current report.json> [--tolerance 0.02]\n');
  });
});
