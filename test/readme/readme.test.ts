/**
 * The README is tested: every TypeScript and shell example of README.md and docs/*.md runs in a
 * new project that uses the PACKED package (`npm pack`, extracted into node_modules as npm
 * installs it; its dependencies are this repository's, linked), with the fixture model and images
 * at the paths the examples name. A block whose first line is `// not run: <reason>` (or `#`) is
 * skipped visibly. Then the project's suite runs twice, as a user's would: first on a cold cache
 * (must pass, write the baselines, report t-SNE), then with the shortcut-trained fixture model
 * (must fail with readable messages).
 *
 * The only changes to the examples' text are listed in SUBSTITUTIONS, each with its reason.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';
import { tempDir } from '../helpers/images.js';
import { type Example, extractExamples, splitImports } from './examples.js';

const DOCS = ['README.md', ...readdirSync(path.join(REPO, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const EXAMPLES: Example[] = DOCS.flatMap((f) => extractExamples(readFileSync(path.join(REPO, f), 'utf8'), f));
const RUN = EXAMPLES.filter((e) => !e.notRun);
const GOOD = path.join(REPO, 'fixtures/models/fmnist-resnet.onnx');
const SHORTCUT = path.join(REPO, 'fixtures/models/fmnist-resnet-shortcut.onnx');
const FMNIST = path.join(REPO, 'fixtures/fmnist5');

/** The only edits made to the examples' text: [text, replacement, why]. */
const SUBSTITUTIONS: [string, string, string][] = [
  ["  preprocess: { preset: 'imagenet' },\n", '', 'the fixture model is not an ImageNet model: its ONNX metadata carries its own mean and std'],
];

/** Paths the examples name, linked to the fixtures in the project. */
const LINKS: [string, string][] = [
  ['models/classifier.onnx', GOOD],
  ['probe-images', FMNIST],
  ['fixtures/models', path.join(REPO, 'fixtures/models')],
  ['fixtures/fmnist5', FMNIST],
  ['fixtures/probe', FMNIST],
];

const CI_VARS = /^(CI|CONTINUOUS_INTEGRATION|BUILD_NUMBER|RUN_ID|BUILD_ID|TF_BUILD|GITHUB_ACTIONS|GITLAB_CI|CIRCLECI|TRAVIS|BUILDKITE|JENKINS_URL|TEAMCITY_VERSION|APPVEYOR|BITBUCKET_COMMIT|DRONE|CODEBUILD_BUILD_ARN|SYSTEM_TEAMFOUNDATIONCOLLECTIONURI)$/;

let project: string;
let env: Record<string, string>;
const shell: { ex: Example; code: number; out: string }[] = [];
const runs: Record<'cold' | 'worse', { code: number; out: string; seconds: number }> = {} as never;
let tsc: { code: number; out: string };

const where = (e: Example) => `${e.file}:${e.line}`;
const substitute = (code: string) => SUBSTITUTIONS.reduce((c, [from, to]) => c.split(from).join(to), code);

function exec(cmd: string, args: string[], timeoutMs = 300_000): { code: number; out: string; seconds: number } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: project, env, encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, seconds: (performance.now() - t0) / 1000 };
}

/** The test-file name an example gives in its first line (`// model.test.ts`), else one from its place. */
function fileName(e: Example, suffix: string): string {
  const m = /^\s*\/\/\s*([\w.-]+\.ts)\s*$/.exec(e.code.split('\n')[0]);
  return m && m[1].endsWith(suffix) ? m[1] : `${e.file.replace(/[/.]/g, '-')}-${e.line}${suffix}`;
}

const PRELUDE = [
  "import { test, expect } from 'vitest';",
  "import { auditModel } from 'semantic-audit';",
  "import 'semantic-audit/vitest';",
  "const model = await auditModel('models/classifier.onnx', { data: 'probe-images/', layers: ['data', 'pool5'] });",
  'const subject = model;',
];

async function writeExamples(): Promise<void> {
  const configs = RUN.filter((e) => e.kind === 'config');
  for (const e of RUN.filter((x) => x.lang === 'ts')) {
    const code = substitute(e.code);
    if (e.kind === 'config') {
      if (e !== configs[0]) throw new Error(`${where(e)}: a second vitest.config.ts; mark it \`// not run: <reason>\` or merge it into the first (${where(configs[0])})`);
      await writeFile(path.join(project, 'vitest.config.ts'), code);
    } else if (e.kind === 'test') {
      await writeFile(path.join(project, fileName(e, '.test.ts')), code);
    } else {
      const { imports, body } = splitImports(code);
      const names = new Set(PRELUDE.join('\n').match(/import \{[^}]*\}/g)?.join(' ').match(/\w+/g) ?? []);
      const extra = imports.filter((l) => !PRELUDE.includes(l) && !(/from 'vitest';$/.test(l) && [...(l.match(/\{([^}]*)\}/)?.[1].split(',') ?? [])].every((n) => names.has(n.trim()))));
      const file = [...PRELUDE.slice(0, 3), ...extra, ...PRELUDE.slice(3), '', `test(${JSON.stringify(`example ${where(e)}`)}, async () => {`, ...body.map((l) => `  ${l}`), '});', ''].join('\n');
      await writeFile(path.join(project, fileName(e, '.test.ts')), file);
    }
  }
}

beforeAll(async () => {
  expect(existsSync(path.join(REPO, 'dist/src/index.js')), 'run `npm run build` first: the package is packed from dist/').toBe(true);
  project = await tempDir('sa-readme-');
  // npm pack: exactly the files a user installs.
  const pack = spawnSync('npm', ['pack', '--json', '--pack-destination', project], { cwd: REPO, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error' } });
  expect(pack.status, pack.stderr).toBe(0);
  const tarball = path.join(project, JSON.parse(pack.stdout)[0].filename as string);
  const pkg = path.join(project, 'node_modules', 'semantic-audit');
  await mkdir(pkg, { recursive: true });
  const tar = spawnSync('tar', ['-xzf', tarball, '-C', pkg, '--strip-components=1'], { encoding: 'utf8' });
  expect(tar.status, tar.stderr).toBe(0);
  // The dependencies npm would install: this repository's (same lockfile versions), linked.
  for (const dep of await readdir(path.join(REPO, 'node_modules'))) {
    if (dep === 'semantic-audit' || dep === '.bin' || dep.startsWith('.')) continue;
    await symlink(path.join(REPO, 'node_modules', dep), path.join(project, 'node_modules', dep), 'dir');
  }
  await mkdir(path.join(project, 'node_modules', '.bin'));
  const bin = path.join(pkg, JSON.parse(await readFile(path.join(pkg, 'package.json'), 'utf8')).bin['semantic-audit']);
  await chmod(bin, 0o755);
  await symlink(bin, path.join(project, 'node_modules', '.bin', 'semantic-audit'));
  await symlink(path.join(REPO, 'node_modules', 'vitest', 'vitest.mjs'), path.join(project, 'node_modules', '.bin', 'vitest'));
  await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'readme-project', type: 'module', private: true, devDependencies: { 'semantic-audit': `file:${path.basename(tarball)}` } }, null, 2));
  for (const [p, target] of LINKS) {
    await mkdir(path.dirname(path.join(project, p)), { recursive: true });
    await symlink(target, path.join(project, p));
  }
  const base = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => v !== undefined && !CI_VARS.test(k) && !k.startsWith('VITEST') && k !== 'NODE_ENV' && k !== 'SEMANTIC_AUDIT_CACHE')) as Record<string, string>;
  env = { ...base, PATH: `${path.join(project, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}`, NO_COLOR: '1', FORCE_COLOR: '0' };

  // Shell examples, in document order, in the project (the cache starts cold: .semantic-audit/cache).
  for (const e of RUN.filter((x) => x.lang === 'sh')) {
    // npm in the project would rewrite the linked node_modules of this repository.
    if (/\bnpm\s+(i|install|ci|uninstall|update|rebuild)\b/.test(e.code)) throw new Error(`${where(e)} runs npm; mark it \`# not run: <reason>\` (test/readme installs the packed tarball itself)`);
    if (e.code.includes('base/report.json') && !existsSync(path.join(project, 'base'))) {
      // The two reports a comparison needs: the report the README's CLI example wrote, twice.
      for (const d of ['base', 'pr']) {
        await mkdir(path.join(project, d));
        await copyFile(path.join(project, 'semantic-audit-report', 'report.json'), path.join(project, d, 'report.json'));
      }
    }
    const r = exec('bash', ['-e', '-o', 'pipefail', '-c', substitute(e.code)]);
    shell.push({ ex: e, code: r.code, out: r.out });
  }
  await rm(path.join(project, 'semantic-audit-report'), { recursive: true, force: true });
  await rm(path.join(project, '.semantic-audit'), { recursive: true, force: true });

  await writeExamples();
  await writeFile(path.join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] }, include: ['*.ts'] }));
  const t = exec(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', '.']);
  tsc = { code: t.code, out: t.out };
  // A user's first local run on a cold cache, then the same suite with the shortcut-trained model.
  runs.cold = exec(process.execPath, ['node_modules/.bin/vitest', 'run']);
  await rename(path.join(project, 'semantic-audit-report'), path.join(project, 'cold-report'));
  await rm(path.join(project, 'models/classifier.onnx'));
  await symlink(SHORTCUT, path.join(project, 'models/classifier.onnx'));
  runs.worse = exec(process.execPath, ['node_modules/.bin/vitest', 'run']);
  if (process.env.SEMANTIC_AUDIT_README_LOG) {
    await writeFile(process.env.SEMANTIC_AUDIT_README_LOG, `cold run (${runs.cold.seconds.toFixed(1)} s, exit ${runs.cold.code}):\n${runs.cold.out}\n\nworse model (${runs.worse.seconds.toFixed(1)} s, exit ${runs.worse.code}):\n${runs.worse.out}\n`);
  }
}, 900_000);

describe('the README and docs examples', () => {
  it('are found, and every one not run says why', () => {
    expect(RUN.filter((e) => e.lang === 'ts').length).toBeGreaterThanOrEqual(5);
    expect(RUN.filter((e) => e.lang === 'sh').length).toBeGreaterThanOrEqual(2);
    for (const e of EXAMPLES.filter((x) => x.notRun)) expect(e.notRun!.length, where(e)).toBeGreaterThan(10);
  });

  it('every link of the packed README resolves: absolute, or an anchor of a heading', () => {
    const text = readFileSync(path.join(project, 'node_modules/semantic-audit/README.md'), 'utf8');
    const slugs = new Set([...text.matchAll(/^#+ (.+)$/gm)].map((m) => `#${m[1].trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-')}`));
    const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(5);
    const broken = links.filter((l) => !(l.startsWith('https://github.com/semantic-audit/semantic-audit') || l.startsWith('https://raw.githubusercontent.com/semantic-audit/semantic-audit/') || slugs.has(l)));
    expect(broken).toEqual([]);
    const pkg = JSON.parse(readFileSync(path.join(project, 'node_modules/semantic-audit/package.json'), 'utf8'));
    expect(pkg.repository.url).toBe('git+https://github.com/semantic-audit/semantic-audit.git');
  });

  it('shell examples exit 0', () => {
    for (const s of shell) expect({ example: where(s.ex), code: s.code, out: s.code === 0 ? '' : s.out }).toEqual({ example: where(s.ex), code: 0, out: '' });
  });

  it('TypeScript examples type-check against the packed package', () => {
    expect(tsc.out).toBe('');
    expect(tsc.code).toBe(0);
  });

  it('pass on the first run with a cold cache, write the baselines and report t-SNE', () => {
    const out = runs.cold.out;
    expect(runs.cold.code, out).toBe(0);
    expect(out).toMatch(/semantic-audit: wrote baseline of pool5/);
    expect(out).toMatch(/semantic-audit report: PASSED, semantic-audit-report\/index\.html \(1 model; \d+ checks, 0 failed; t-SNE of 2 layers; baselines: [1-9]\d* written, 0 updated, 0 unchanged, \d+ compared, 0 obsolete\)/);
    const report = JSON.parse(readFileSync(path.join(project, 'cold-report/report.json'), 'utf8'));
    expect(report.passed).toBe(true);
    expect(report.layers.map((l: { name: string; tsne?: object; separation?: object }) => [l.name, Boolean(l.tsne), Boolean(l.separation)])).toEqual([['data', true, true], ['pool5', true, true]]);
    const html = readFileSync(path.join(project, 'cold-report/index.html'), 'utf8');
    expect(html).toMatch(/Baselines in this run: [1-9]\d* written, 0 updated, 0 unchanged, \d+ compared, 0 obsolete\. Recorded by this run/);
  });

  it('fail with the shortcut-trained model, with readable messages, and the report says FAILED', () => {
    const out = runs.worse.out;
    expect(runs.worse.code).toBe(1);
    expect(out).toContain('Expected micro k-NN purity of layer "pool5" (tensor /pool5/GlobalAveragePool_output_0, 64 features, k = 10, euclidean) >= 0.8');
    expect(out).toMatch(/Layer "pool5" \(k = 10, euclidean\) got worse than its baseline in .*; model [0-9a-f]{12} -> [0-9a-f]{12}\./);
    expect(out).toContain('Gated: purity, silhouette and every class\'s purity (tolerance 0.05).');
    expect(out).toMatch(/semantic-audit report: FAILED \(\d+ of \d+ tests failed\)/);
    const report = JSON.parse(readFileSync(path.join(project, 'semantic-audit-report/report.json'), 'utf8'));
    expect(report.passed).toBe(false);
  });
});
