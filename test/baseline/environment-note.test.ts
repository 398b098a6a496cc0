/** A baseline measured elsewhere (provider, platform, CPU, onnxruntime) is said to be so, once, everywhere. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeBaselineEntry } from '../../src/baseline/baseline-entry.js';
import { type BaselineEntry, formatBaselineFile, parseBaselineFile, sameEntry } from '../../src/baseline/baseline-file.js';
import { compareReportSets, compareReports } from '../../src/baseline/compare.js';
import { decideBaseline } from '../../src/baseline/decide-baseline.js';
import { describeEnvironment, environmentDifferences, environmentNote } from '../../src/baseline/environment-note.js';
import { formatComparisonMarkdown } from '../../src/baseline/format-comparison.js';
import type { ReportEnvironment } from '../../src/result/report.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/images.js';
import { fakeReport } from './fake-report.js';

const HERE: ReportEnvironment = { semanticAudit: '0.1.0', onnxruntime: '1.22.0', node: 'v22.1.0', executionProviders: ['cpu'], platform: 'linux', arch: 'x64', cpu: 'AMD EPYC 7763 64-Core Processor', threads: 4 };
const ARM: ReportEnvironment = { ...HERE, onnxruntime: '1.20.1', platform: 'linux', arch: 'arm64', cpu: 'Neoverse-N1' };
const NOTE = 'Baseline was recorded on linux-arm64, onnxruntime 1.20.1 (cpu), Neoverse-N1; this run: linux-x64, onnxruntime 1.22.0 (cpu), AMD EPYC 7763 64-Core Processor: small differences in the last digits are expected.';

const layer = { name: 'pool5', images: [['test/cat/1.png', 'cat', ['cat', 'cat', 'dog']], ['test/dog/1.png', 'dog', ['dog', 'dog', 'dog']]] as [string, string, string[]][] };

describe('environmentNote', () => {
  it('names both sides when platform, CPU, onnxruntime or provider differ', () => {
    expect(environmentNote(ARM, HERE)).toBe(NOTE);
    expect(environmentDifferences(ARM, HERE)).toEqual(['platform', 'CPU', 'onnxruntime version']);
    expect(environmentDifferences(HERE, { ...HERE, executionProviders: ['cuda', 'cpu'] })).toEqual(['execution provider']);
    expect(environmentNote(HERE, { ...HERE, executionProviders: ['cuda', 'cpu'] })).toBe(
      'Baseline was recorded on linux-x64, onnxruntime 1.22.0 (cpu), AMD EPYC 7763 64-Core Processor; this run: linux-x64, onnxruntime 1.22.0 (cuda, cpu), AMD EPYC 7763 64-Core Processor: small differences in the last digits are expected.',
    );
  });

  it('says nothing for the same machine, another Node or thread count, a run without inference, or an unknown side', () => {
    expect(environmentNote(HERE, { ...HERE, node: 'v20.0.0', threads: 64, semanticAudit: '0.2.0' })).toBeUndefined();
    // every feature from the cache or from shards: no provider ran, nothing to compare there
    expect(environmentNote(HERE, { ...HERE, executionProviders: [] })).toBeUndefined();
    expect(describeEnvironment({ ...HERE, executionProviders: [] })).toBe('linux-x64, onnxruntime 1.22.0 (no inference), AMD EPYC 7763 64-Core Processor');
    expect(environmentNote(undefined, HERE)).toBeUndefined();
    expect(environmentNote(HERE, { platform: 'linux' })).toBeUndefined();
  });

  it('compareReports and compareReportSets store it; the Markdown prints it', () => {
    const base = { ...fakeReport({ layers: [layer] }), environment: ARM };
    const now = { ...fakeReport({ layers: [layer] }), environment: HERE };
    const c = compareReports(base, now);
    expect(c.environmentNote).toBe(NOTE);
    expect(c.before.environment).toEqual(ARM);
    expect(formatComparisonMarkdown(c)).toContain(`- ${NOTE.replace(/[()]/g, (x) => `\\${x}`)}\n`);
    expect(compareReports(fakeReport({ layers: [layer] }), now).environmentNote).toBeUndefined();
    const two = (env: ReportEnvironment) => [
      { ...fakeReport({ layers: [layer] }), environment: env },
      { ...fakeReport({ layers: [layer] }), model: { ...fakeReport({ layers: [layer] }).model, path: 'other.onnx' }, environment: env },
    ];
    expect(compareReportSets(two(ARM), two(HERE)).environmentNote).toBe(NOTE);
  });

  it('semantic-audit compare prints the line under the probe-set line', async () => {
    const dir = await tempDir();
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'base.json'), JSON.stringify({ ...fakeReport({ layers: [layer] }), environment: ARM }));
    await writeFile(path.join(dir, 'now.json'), JSON.stringify({ ...fakeReport({ layers: [layer] }), environment: HERE }));
    const r = await runCli(['compare', path.join(dir, 'base.json'), path.join(dir, 'now.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Probe set: same\n${NOTE}\n`);
  });
});

describe('the baseline entry keeps the environment', () => {
  const report = { ...fakeReport({ layers: [layer] }), environment: ARM };
  const stored = makeBaselineEntry(report.layers[0], report);

  it('records platform, CPU, onnxruntime and providers (not Node or threads), and reads it back', () => {
    expect(stored.environment).toEqual({ platform: 'linux', arch: 'arm64', cpu: 'Neoverse-N1', onnxruntime: '1.20.1', executionProviders: ['cpu'] });
    const text = formatBaselineFile({ schemaVersion: 1, tool: 'semantic-audit', entries: { t: { pool5: stored } } });
    expect(text).toContain('"environment": {\n');
    expect(parseBaselineFile(text, 'b.json').entries.t.pool5).toEqual(stored);
    const broken = text.replace('"onnxruntime": "1.20.1"', '"onnxruntime": 1');
    expect(() => parseBaselineFile(broken, 'b.json')).toThrow('entry "t" / "pool5": "environment" must be { platform, arch, cpu, onnxruntime: string, executionProviders: string[] }');
  });

  it('the matcher\'s decision carries the note; -u does not rewrite an entry whose numbers are equal', () => {
    const measured: BaselineEntry = makeBaselineEntry(report.layers[0], { ...report, environment: HERE });
    const d = decideBaseline(stored, measured, 'none');
    expect(d.status).toBe('compared');
    if (d.status === 'compared') expect(d.comparison.environmentNote).toBe(NOTE);
    expect(sameEntry(stored, measured)).toBe(true);
    expect(decideBaseline(stored, measured, 'all')).toEqual({ status: 'unchanged' });
    const { environment: _e, ...old } = stored;
    const d2 = decideBaseline(old as BaselineEntry, measured, 'none');
    if (d2.status === 'compared') expect(d2.comparison.environmentNote).toBeUndefined();
  });
});
