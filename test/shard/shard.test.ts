import { readFile, readdir, rm, writeFile, mkdir, cp } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditFromShards, auditModel } from '../../src/audit/model-audit.js';
import type { AuditReport } from '../../src/result/report.js';
import { extractShard } from '../../src/shard/extract-shard.js';
import { readShards } from '../../src/shard/read-shards.js';
import { parseShard, shardRange } from '../../src/shard/shard-spec.js';
import { REPO, runCli } from '../helpers/cli.js';
import { makeImageFolder, tempDir } from '../helpers/images.js';
import { VERSION } from '../../src/version.js';
import { tinyClassifier } from '../helpers/onnx-builder.js';

/** report.json without what legitimately differs between runs. */
function comparable(r: AuditReport): unknown {
  // environment: a merge runs no model, so its executionProviders are empty.
  const { createdAt: _c, timings: _t, environment: _e, ...rest } = r;
  return rest;
}

async function fixture(): Promise<{ dir: string; data: string; model: string }> {
  const dir = await tempDir('sa-shard-');
  const data = path.join(dir, 'data');
  await makeImageFolder(data, { perClass: 7 });
  const model = path.join(dir, 'model.onnx');
  await writeFile(model, tinyClassifier());
  return { dir, data, model };
}

describe('parseShard and shardRange', () => {
  it('parses i/n and rejects anything else with the one error shape', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
    for (const bad of ['0/3', '4/3', '1/0', '2', 'a/b', '-1/3', '1.5/3']) {
      expect(() => parseShard(bad)).toThrow(`Expected i/n with 1 <= i <= n (e.g. 2/4) for --shard but received ${JSON.stringify(bad)}`);
    }
  });

  it('tiles [0, total) with contiguous ranges that differ in size by at most one', () => {
    for (const total of [0, 1, 5, 7, 100, 70000]) {
      for (const count of [1, 2, 3, 7, 16]) {
        const ranges = Array.from({ length: count }, (_, i) => shardRange(total, { index: i + 1, count }));
        expect(ranges[0].start).toBe(0);
        expect(ranges[count - 1].end).toBe(total);
        for (let i = 1; i < count; i++) expect(ranges[i].start).toBe(ranges[i - 1].end);
        const sizes = ranges.map((r) => r.end - r.start);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
    }
  });
});

describe('extract shards and merge them', () => {
  it('reproduces the single-run report exactly (library)', async () => {
    const { dir, data, model } = await fixture();
    const options = { data, cache: false as const, batchSize: 4, preprocess: { mean: [0.5, 0.5, 0.5] } };
    const single = await auditModel(model, options);
    for (const l of ['data', 'pool5', 'logits']) await single.analyze(l, { k: 3 });
    const dirs: string[] = [];
    for (let i = 1; i <= 4; i++) {
      const out = path.join(dir, 'shards', `s${i}`);
      await extractShard(model, out, { ...options, layers: ['data', 'pool5', 'logits'], shard: { index: i, count: 4 } });
      dirs.push(out);
    }
    const merged = await auditFromShards([path.join(dir, 'shards')]);
    for (const l of ['data', 'pool5', 'logits']) await merged.analyze(l, { k: 3 });
    expect(comparable(merged.report())).toEqual(comparable(single.report()));
    expect(merged.fingerprint()).toBe(single.fingerprint());
    // Shards can be given in any order, as directories.
    const reversed = await auditFromShards([...dirs].reverse());
    expect((await reversed.analyze('pool5', { k: 3 })).knn).toEqual((await single.analyze('pool5', { k: 3 })).knn);
    await expect(merged.analyze('conv1')).rejects.toThrow('Layer "conv1" is not in the shards (they hold data, pool5, logits). Extract it with semantic-audit extract --layers data,pool5,logits,conv1.');
  });

  it('reproduces report.json of audit with extract --shard i/n and audit --from (CLI, leave-one-out, shards cutting across classes)', async () => {
    const { dir, data, model } = await fixture();
    const common = ['--model', model, '--data', data, '--layers', 'data,pool5,penultimate', '--query-split', 'train', '--reference-split', 'train', '--mean', '0.5,0.5,0.5', '--batch-size', '5'];
    const single = runCli(['audit', ...common, '--k', '4', '--out', path.join(dir, 'single'), '--no-cache']);
    expect(single.code).toBe(0);
    for (let i = 1; i <= 3; i++) {
      const r = runCli(['extract', ...common, '--shard', `${i}/3`, '--out', path.join(dir, 'shards', String(i)), '--cache-dir', path.join(dir, 'cache')]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`shard ${i}/3 = images ${(i - 1) * 7}-${i * 7 - 1} of 21 (7 images), layers data, pool5, penultimate (and logits, the class outputs, for accuracy and label issues)\n`);
    }
    const s = (i: number) => path.join(dir, 'shards', String(i));
    const merged = runCli(['audit', '--from', s(2), s(3), s(1), '--k', '4', '--min-purity', '0', '--out', path.join(dir, 'merged'), '--timings']);
    expect(merged.code).toBe(0);
    expect(merged.stdout).toMatch(/Timings:\n {2}open model and data +\d+ ms\n {2}extract features +\d+ ms .*merge \d+ ms\n {2}analyze layers +\d+ ms +knn \d+(, [a-z]+ \d+)* ms\n/);
    const a = JSON.parse(await readFile(path.join(dir, 'single', 'report.json'), 'utf8')) as AuditReport;
    const b = JSON.parse(await readFile(path.join(dir, 'merged', 'report.json'), 'utf8')) as AuditReport;
    // Both measured top-1 accuracy on the model's logits (and warn on stderr when it is near
    // chance): extract stores the class outputs beside the requested layers, so the merge has them
    // for the accuracy and for the label issues' agreement check, as the single run.
    expect(single.stderr).toBe((a.warnings ?? []).map((w) => `semantic-audit: warning: ${w}\n`).join(''));
    expect(merged.stderr).toBe(single.stderr);
    expect(a.accuracy?.layer).toBe('logits');
    expect(b.accuracy).toEqual(a.accuracy);
    expect(b.layers.map((l) => l.labelIssues?.signals)).toEqual(a.layers.map((l) => l.labelIssues?.signals));
    const strip = (r: AuditReport) => {
      const { createdAt: _c, timings: _t, checks: _k, passed: _p, environment: _e, ...rest } = r;
      return rest;
    };
    expect(strip(b)).toEqual(strip(a));
    expect(b.checks.map((c) => c.name)).toEqual(['pool5 purity.micro >= 0', 'penultimate purity.micro >= 0']);
    expect(b.passed).toBe(true);
    expect(a.layers.map((l) => l.name)).toEqual(['data', 'pool5', 'penultimate']);
  });

  it('stores no class outputs when the model has another number of outputs than the data set has classes', async () => {
    const { dir, data } = await fixture();
    const model = path.join(dir, 'two.onnx');
    await writeFile(model, tinyClassifier({ classes: 2 })); // 3 classes in the data
    const r = runCli(['extract', '--model', model, '--data', data, '--layers', 'pool5', '--mean', '0.5,0.5,0.5', '--no-cache', '--out', path.join(dir, 'two')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('layers pool5\n');
    const m = JSON.parse(await readFile(path.join(dir, 'two', 'shard.json'), 'utf8'));
    expect(m.plan.layers.map((l: { name: string }) => l.name)).toEqual(['pool5']);
  });

  it('audit --from --labels takes the class order of the outputs as a single run does', async () => {
    const { dir, data, model } = await fixture();
    const classes = (await readdir(path.join(data, 'train'))).sort();
    const labels = path.join(dir, 'labels.txt');
    await writeFile(labels, `${[...classes].reverse().join('\n')}\n`);
    const common = ['--model', model, '--data', data, '--layers', 'pool5', '--mean', '0.5,0.5,0.5', '--no-cache'];
    const single = runCli(['audit', ...common, '--k', '3', '--no-tsne', '--labels', labels, '--out', path.join(dir, 'lsingle')]);
    expect(single.code).toBe(0);
    const shard = runCli(['extract', ...common, '--out', path.join(dir, 'lshard')]);
    expect(shard.code).toBe(0);
    const merged = runCli(['audit', '--from', path.join(dir, 'lshard'), '--k', '3', '--no-tsne', '--labels', labels, '--out', path.join(dir, 'lmerged')]);
    expect(merged.code).toBe(0);
    expect(merged.stderr).toBe(single.stderr);
    const a = JSON.parse(await readFile(path.join(dir, 'lsingle', 'report.json'), 'utf8')) as AuditReport;
    const b = JSON.parse(await readFile(path.join(dir, 'lmerged', 'report.json'), 'utf8')) as AuditReport;
    expect(a.accuracy?.classOrder).toEqual([...classes].reverse());
    expect(b.accuracy).toEqual(a.accuracy);
  });

  it('extract --max-per-class takes the sample audit --max-per-class takes: sharded and sampled equals unsharded and sampled', async () => {
    const { dir, data, model } = await fixture();
    const common = ['--model', model, '--data', data, '--layers', 'data,pool5', '--mean', '0.5,0.5,0.5', '--batch-size', '3', '--no-cache'];
    const single = runCli(['audit', ...common, '--max-per-class', '4', '--k', '3', '--out', path.join(dir, 'single')]);
    expect(single.code).toBe(0);
    const full = runCli(['audit', ...common, '--k', '3', '--out', path.join(dir, 'full')]);
    expect(full.code).toBe(0);
    const s = (i: number) => path.join(dir, 'shards', String(i));
    for (let i = 1; i <= 3; i++) {
      const r = runCli(['extract', ...common, '--max-per-class', '4', '--shard', `${i}/3`, '--out', s(i)]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/\nSampled: at most 4 images per class and split: \w+ \d+ of \d+/);
    }
    const manifest = JSON.parse(await readFile(path.join(s(1), 'shard.json'), 'utf8'));
    const a = JSON.parse(await readFile(path.join(dir, 'single', 'report.json'), 'utf8')) as AuditReport;
    expect(manifest.plan.data.sample).toEqual(a.data.sample);
    expect(a.data.sample!.maxPerClass).toBe(4);
    const merged = runCli(['audit', '--from', s(1), s(2), s(3), '--k', '3', '--out', path.join(dir, 'merged')]);
    expect(merged.code).toBe(0);
    expect(merged.stdout).toContain(single.stdout.slice(single.stdout.indexOf('\nSampled:')).split('\n')[1]);
    const b = JSON.parse(await readFile(path.join(dir, 'merged', 'report.json'), 'utf8')) as AuditReport;
    const strip = (r: AuditReport) => {
      const { createdAt: _c, timings: _t, environment: _e, accuracy: _a, warnings: _w, ...rest } = r;
      return rest;
    };
    // the same images, the same numbers; and fewer images than the unsampled audit
    expect(strip(b)).toEqual(strip(a));
    expect(b.data.sample).toEqual(a.data.sample);
    const c = JSON.parse(await readFile(path.join(dir, 'full', 'report.json'), 'utf8')) as AuditReport;
    expect(b.data.query.length + b.data.reference.length).toBeLessThan(c.data.query.length + c.data.reference.length);

    // --from takes the shards' sample; another value, or shards without one, is an error naming both
    const same = runCli(['audit', '--from', s(1), s(2), s(3), '--max-per-class', '4', '--k', '3', '--out', path.join(dir, 'same')]);
    expect(same.code).toBe(0);
    const other = runCli(['audit', '--from', s(1), s(2), s(3), '--max-per-class', '5', '--out', path.join(dir, 'other')]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain(
      `--max-per-class 5 was given, but the shards were extracted with --max-per-class 4 (${path.join(s(1), 'shard.json')}). Leave --max-per-class out of audit --from (it takes the shards' sample), or extract the shards again with --max-per-class 5.`,
    );
    // one shard sampled differently: the merge refuses and names the value
    const odd = path.join(dir, 'odd');
    expect(runCli(['extract', ...common, '--max-per-class', '5', '--shard', '2/3', '--out', odd]).code).toBe(0);
    await expect(readShards([s(1), odd, s(3)])).rejects.toThrow(
      `Shards ${s(1)} and ${odd} come from different audits: they differ in per-class sample (--max-per-class 4 vs --max-per-class 5). Extract every shard with the same --model, --data, --layers, --max-per-class, splits and preprocessing options.`,
    );
    const none = path.join(dir, 'none');
    expect(runCli(['extract', ...common, '--shard', '2/3', '--out', none]).code).toBe(0);
    await expect(readShards([s(1), none, s(3)])).rejects.toThrow('they differ in per-class sample (--max-per-class 4 vs no --max-per-class).');
  });

  it('extract reads the config file audit reads (model, data, layers, preprocess, maxPerClass), flags override', async () => {
    const { dir, data, model } = await fixture();
    const cwd = path.join(dir, 'repo');
    await mkdir(path.join(cwd, 'sub'), { recursive: true });
    await writeFile(path.join(cwd, 'semantic-audit.config.json'), JSON.stringify({ model, data, layers: ['pool5'], preprocess: { mean: [0.5, 0.5, 0.5], channels: 'rgb' }, maxPerClass: 3, out: 'report', gates: ['pool5.purity.micro >= 0'] }));
    const r = runCli(['extract', '--out', path.join(dir, 'cfg'), '--no-cache'], { cwd: path.join(cwd, 'sub') });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('layers pool5 (and logits, the class outputs, for accuracy and label issues)\n');
    const m = JSON.parse(await readFile(path.join(dir, 'cfg', 'shard.json'), 'utf8'));
    expect(m.plan.data.sample.maxPerClass).toBe(3);
    expect(m.plan.preprocess.mean).toEqual([0.5, 0.5, 0.5]);
    const flag = runCli(['extract', '--out', path.join(dir, 'flag'), '--no-cache', '--max-per-class', '2', '--layers', 'data'], { cwd });
    expect(flag.code).toBe(0);
    const f = JSON.parse(await readFile(path.join(dir, 'flag', 'shard.json'), 'utf8'));
    expect([f.plan.data.sample.maxPerClass, f.plan.layers.map((l: { name: string; classOutputs?: true }) => `${l.name}${l.classOutputs ? ' (class outputs)' : ''}`)]).toEqual([2, ['data', 'logits (class outputs)']]);
  });

  it('says which shard is missing, doubled, foreign or damaged', async () => {
    const { dir, data, model } = await fixture();
    const options = { data, cache: false as const, layers: ['pool5'] };
    const s = (i: number) => path.join(dir, `s${i}`);
    for (let i = 1; i <= 3; i++) await extractShard(model, s(i), { ...options, shard: { index: i, count: 3 } });
    await expect(readShards([s(1), s(3)])).rejects.toThrow(`Missing shard 2/3: found 1/3, 3/3 in ${s(1)}, ${s(3)}. Pass every shard's directory to --from.`);
    await cp(s(1), s(4), { recursive: true });
    await expect(readShards([s(1), s(2), s(3), s(4)])).rejects.toThrow(`Shard 1/3 appears twice: ${s(1)} and ${s(4)}.`);
    await extractShard(model, s(5), { ...options, layers: ['data'], shard: { index: 2, count: 3 } });
    await expect(readShards([s(1), s(5), s(3)])).rejects.toThrow(
      `Shards ${s(1)} and ${s(5)} come from different audits: they differ in layers (pool5 vs data). Extract every shard with the same --model, --data, --layers, --max-per-class, splits and preprocessing options.`,
    );
    await extractShard(model, s(6), { ...options, preprocess: { preset: 'imagenet' }, shard: { index: 2, count: 3 } });
    await expect(readShards([s(1), s(6), s(3)])).rejects.toThrow('they differ in preprocessing.');
    await expect(readShards([path.join(dir, 'nothing')])).rejects.toThrow(`Shard directory not found: ${path.join(dir, 'nothing')}. Pass the --out directories of semantic-audit extract.`);
    await mkdir(path.join(dir, 'empty'));
    await expect(readShards([path.join(dir, 'empty')])).rejects.toThrow(`No shard in ${path.join(dir, 'empty')}: expected ${path.join(dir, 'empty', 'shard.json')} (written by semantic-audit extract --out ${path.join(dir, 'empty')}) or subdirectories holding one.`);

    const f = path.join(s(2), 'tensor-0.f32');
    const bytes = await readFile(f);
    await writeFile(f, bytes.subarray(0, bytes.length - 4));
    const merged = await readShards([s(1), s(2), s(3)]);
    expect(() => merged.layer('pool5')).toThrow(`Shard file ${f} has ${bytes.length - 4} bytes; expected ${bytes.length}. It is truncated or from another extraction; re-run semantic-audit extract for this shard.`);
    const flipped = Buffer.from(bytes);
    flipped[5] ^= 0x40;
    await writeFile(f, flipped);
    expect(() => merged.layer('pool5')).toThrow(/^Shard file .*tensor-0\.f32 is corrupt \(sha256 [0-9a-f]{12}, manifest says [0-9a-f]{12}\)\. Re-run semantic-audit extract for this shard\.$/);
    await rm(f);
    expect(() => merged.layer('pool5')).toThrow(`Cannot read shard file ${f}: ENOENT. Re-run semantic-audit extract for this shard.`);
  });

  it('rejects model and data options next to --from, and stray arguments without it', async () => {
    const { dir, model } = await fixture();
    const r = runCli(['audit', '--from', dir, '--model', model, '--out', path.join(dir, 'o')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('semantic-audit audit: --from merges shards that semantic-audit extract wrote with their own model, data and preprocessing; leave out --model (pass it to extract).\n');
    const stray = runCli(['audit', '--model', model, '--data', dir, '--out', path.join(dir, 'o'), 'extra']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toBe('semantic-audit audit: Unexpected argument "extra". Only --from takes several values (--from <dir> <dir> ...). Run semantic-audit audit --help for the options.\n');
    const badShard = runCli(['extract', '--model', model, '--data', dir, '--out', path.join(dir, 'o'), '--shard', '3/2']);
    expect(badShard.code).toBe(2);
    expect(badShard.stderr).toBe('semantic-audit extract: Expected i/n with 1 <= i <= n (e.g. 2/4) for --shard but received "3/2"\n');
  });
});

describe('shards of the Fashion-MNIST fixture', () => {
  it('merge into the report of a single run of the real ResNet (batch composition does not change a float)', async () => {
    const model = path.join(REPO, 'fixtures/models/fmnist-resnet.onnx');
    const data = path.join(REPO, 'fixtures/fmnist5');
    const layers = ['data', 'layer2', 'pool5', 'logits'];
    const single = await auditModel(model, { data, cache: false });
    for (const l of layers) await single.analyze(l, { k: 10 });
    const dir = await tempDir('sa-shard-fixture-');
    const dirs: string[] = [];
    for (let i = 1; i <= 3; i++) {
      // Different batch sizes per shard: rows meet the model in other company than in the single run.
      await extractShard(model, path.join(dir, `s${i}`), { data, cache: false, layers, batchSize: 5 + 7 * i, shard: { index: i, count: 3 } });
      dirs.push(path.join(dir, `s${i}`));
    }
    const merged = await auditFromShards(dirs);
    for (const l of layers) await merged.analyze(l, { k: 10 });
    expect(comparable(merged.report())).toEqual(comparable(single.report()));
    const pool5 = merged.report().layers.find((l) => l.name === 'pool5')!;
    expect(pool5.knn.purity.micro).toBeCloseTo(0.895, 3); // fixtures/README.md
  });

  it('merge --layers all into the report.json of a single run: the layer sweep in network order, names resolved against the recorded graph', async () => {
    const model = path.join(REPO, 'fixtures/models/fmnist-resnet.onnx');
    const data = path.join(REPO, 'fixtures/fmnist5');
    const dir = await tempDir('sa-shard-all-');
    const fast = ['--k', '10', '--no-tsne', '--no-html', '--quiet'];
    const single = runCli(['audit', '--model', model, '--data', data, '--layers', 'all', '--no-cache', ...fast, '--out', path.join(dir, 'single')]);
    expect(single.stderr).toBe('');
    expect(single.code).toBe(0);
    const s = (i: number) => path.join(dir, 'shards', `s${i}`);
    for (let i = 1; i <= 3; i++) {
      const r = runCli(['extract', '--model', model, '--data', data, '--layers', 'all', '--no-cache', '--shard', `${i}/3`, '--out', s(i)]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const expected = ['data', 'conv1', 'relu', 'layer1', 'layer2', 'layer3', 'pool5', 'flatten', 'fc'];
    const read = async (name: string) => JSON.parse(await readFile(path.join(dir, name, 'report.json'), 'utf8')) as AuditReport;
    // --layers all at merge time, and no --layers (the shards' own list), both give the single run.
    for (const [out, layers] of [['merged-all', ['--layers', 'all']], ['merged-default', []]] as const) {
      const r = runCli(['audit', '--from', path.join(dir, 'shards'), ...layers, ...fast, '--out', path.join(dir, out)]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(comparable(await read(out))).toEqual(comparable(await read('single')));
    }
    const a = await read('single');
    expect(a.layers.map((l) => l.name)).toEqual(expected);
    expect(a.layers.map((l) => l.order)).toEqual([...a.layers.map((l) => l.order)].sort((x, y) => x - y));

    // Other names of held tensors (penultimate is flatten's output, logits is fc's) resolve as in a single run.
    const names = ['layer2', 'penultimate', 'logits', 'fc'];
    const single2 = runCli(['audit', '--model', model, '--data', data, '--layers', names.join(','), '--no-cache', ...fast, '--out', path.join(dir, 'single-names')]);
    expect(single2.code).toBe(0);
    const merged2 = runCli(['audit', '--from', s(1), s(2), s(3), '--layers', names.join(','), ...fast, '--out', path.join(dir, 'merged-names')]);
    expect(merged2.stderr).toBe('');
    expect(merged2.code).toBe(0);
    const b = await read('merged-names');
    expect(comparable(b)).toEqual(comparable(await read('single-names')));
    expect(b.layers.map((l) => [l.name, l.kind, l.tensor])).toEqual([
      ['layer2', 'scope', '/layer2/layer2.0/relu_1/Relu_output_0'],
      ['penultimate', 'penultimate', '/flatten/Flatten_output_0'],
      ['fc', 'scope', 'logits'],
      ['logits', 'logits', 'logits'],
    ]);

    // A layer of the model that no shard holds, and a name the model does not have.
    const missing = runCli(['audit', '--from', path.join(dir, 'shards'), '--layers', 'pool5,layer2/layer2.0/conv1', ...fast, '--out', path.join(dir, 'missing')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      `semantic-audit audit: Layer "layer2/layer2.0/conv1" is not in the shards (they hold ${expected.join(', ')}). Extract it with semantic-audit extract --layers ${expected.join(',')},layer2/layer2.0/conv1.\n`,
    );
    const unknown = runCli(['audit', '--from', path.join(dir, 'shards'), '--layers', 'pool6', ...fast, '--out', path.join(dir, 'unknown')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^semantic-audit audit: Unknown layer "pool6" in .*fmnist-resnet\.onnx\. Closest: pool5, /);
    // The same message as a run on the model file.
    expect(unknown.stderr).toBe(runCli(['audit', '--model', model, '--data', data, '--layers', 'pool6', ...fast, '--out', path.join(dir, 'unknown')]).stderr);
  }, 180_000);
});

describe('shard format version', () => {
  it('refuses shards of another format version, and incomplete ones, with the command that re-extracts them', async () => {
    const { dir, data, model } = await fixture();
    await extractShard(model, path.join(dir, 's1'), { data, cache: false, layers: ['pool5'] });
    const file = path.join(dir, 's1', 'shard.json');
    const m = JSON.parse(await readFile(file, 'utf8'));
    expect(m.version).toBe(2);
    expect(m.plan.graph.nodes.length).toBeGreaterThan(0);
    await writeFile(file, JSON.stringify({ ...m, version: 1, tool: { name: 'semantic-audit', version: '0.0.9' } }));
    await expect(readShards([path.join(dir, 's1')])).rejects.toThrow(
      `${file} has shard format version 1 (written by semantic-audit 0.0.9); semantic-audit ${VERSION} reads version 2. Re-run semantic-audit extract for every shard with semantic-audit ${VERSION}.`,
    );
    const { graph: _g, ...noGraph } = m.plan;
    await writeFile(file, JSON.stringify({ ...m, plan: noGraph }));
    await expect(readShards([path.join(dir, 's1')])).rejects.toThrow(`${file} is incomplete (no layer graph, layers or images). Re-run semantic-audit extract for this shard.`);
  });
});
