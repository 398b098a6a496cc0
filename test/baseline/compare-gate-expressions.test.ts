/** compare --gate takes audit's gate expressions (thresholds on the current report) besides the old list of metric names. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isGateExpression, parseGateArguments } from '../../src/baseline/gate-arguments.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/images.js';
import { type FakeLayer, fakeReport } from './fake-report.js';

const layer = (cat2: string[]): FakeLayer => ({
  name: 'pool5',
  images: [
    ['test/cat/1.png', 'cat', ['cat', 'cat', 'cat', 'cat']],
    ['test/cat/2.png', 'cat', cat2],
    ['test/dog/1.png', 'dog', ['dog', 'dog', 'dog', 'dog']],
    ['test/dog/2.png', 'dog', ['dog', 'dog', 'dog', 'cat']],
  ],
  separation: { features: { silhouette: 0.4 } },
});

let a: string;
let b: string;
beforeAll(async () => {
  const dir = await tempDir();
  await mkdir(dir, { recursive: true });
  a = path.join(dir, 'a.json');
  b = path.join(dir, 'b.json');
  await writeFile(a, JSON.stringify(fakeReport({ layers: [layer(['cat', 'cat', 'cat', 'cat'])] })));
  // b: cat/2.png loses one same-class neighbour: micro 15/16 -> 14/16 (-0.0625), cat 1.0 -> 0.875
  await writeFile(b, JSON.stringify(fakeReport({ layers: [layer(['cat', 'cat', 'cat', 'dog'])] })));
});

describe('parseGateArguments', () => {
  it('routes values with an operator to the expression parser and the rest to the name list', () => {
    expect(isGateExpression('pool5.purity.macro >= 0.8')).toBe(true);
    expect(isGateExpression('purity,silhouette')).toBe(false);
    const r = parseGateArguments('--gate', ['purity', 'pool5.purity.class.* > 0.5', 'silhouette,purity']);
    expect(r.names).toEqual(['purity', 'silhouette']);
    expect(r.expressions.map((g) => [g.layer, g.metric, g.comparator, g.threshold])).toEqual([['pool5', 'purity.class.*', '>', 0.5]]);
    expect(parseGateArguments('--gate', ['pool5.silhouette >= 0.3']).names).toBeUndefined();
    expect(() => parseGateArguments('--gate', ['pool5.purity.macr >= 0.8'])).toThrow('--gate: Invalid gate "pool5.purity.macr >= 0.8": unknown metric "purity.macr" (did you mean purity.macro?).');
    // the deprecated --metrics takes names only
    expect(() => parseGateArguments('--metrics', ['pool5.purity.macro >= 0.8'])).toThrow('for --metrics but received "pool5.purity.macro >= 0.8"');
  });
});

describe('semantic-audit compare --gate <expression>', () => {
  it('checks thresholds on the current report, exits 1 when one fails, and keeps the default regression gate', () => {
    const ok = runCli(['compare', a, b, '--gate', 'pool5.purity.micro >= 0.8', '--gate', 'pool5.silhouette >= 0.3', '--tolerance', '0.1']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Metrics (tolerance 0.1; gated: purity.micro, purity.macro, silhouette)');
    expect(ok.stdout).toContain('Gates on the current report (0 of 2 failed)\n  ok     pool5 purity.micro >= 0.8: 0.875\n  ok     pool5 silhouette >= 0.3: 0.400\n\nOK: no gated metric dropped more than the tolerance\n');
    const bad = runCli(['compare', a, b, '--gate', 'pool5.purity.class.* >= 0.9', '--tolerance', '0.1']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('Gates on the current report (2 of 2 failed)\n  FAILED pool5 purity.class.cat >= 0.9: 0.875\n  FAILED pool5 purity.class.dog >= 0.9: 0.875\n');
    expect(bad.stdout).toContain('FAILED: 2 of 2 gates on the current report failed; no gated metric dropped more than the tolerance\n');
  });

  it('mixes with a name list and --json, and names an unaudited layer', () => {
    const j = runCli(['compare', a, b, '--gate', 'purity', '--gate', 'pool5.purity.macro < 0.95', '--json']);
    expect(j.code).toBe(1); // purity dropped 0.0625 > 0.02
    const c = JSON.parse(j.stdout);
    expect(c.metrics).toEqual(['purity']);
    expect(c.checks).toEqual([{ name: 'pool5 purity.macro < 0.95', layer: 'pool5', metric: 'purity.macro', value: 0.875, threshold: 0.95, comparator: '<', passed: true, source: 'gate' }]);
    const missing = runCli(['compare', a, b, '--gate', 'fc.purity.micro >= 0.5']);
    expect([missing.code, missing.stderr]).toEqual([2, 'semantic-audit compare: The gate "fc.purity.micro >= 0.5" names layer "fc", which was not audited (audited: pool5). Add it to --layers (or "layers" in the config) or fix the gate.\n']);
  });
});
