import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parseBooleanInput, parseInputs, slugify } from '../../src/action/inputs.js';

const get = (m: Record<string, string>) => (name: string) => m[name] ?? '';

describe('parseInputs', () => {
  test('defaults', () => {
    expect(parseInputs(get({ 'github-token': 't' }))).toEqual({
      command: 'npx vitest run',
      reportDir: 'semantic-audit-report',
      githubToken: 't',
      comment: 'always',
      title: '',
      failOnRegression: true,
      baselineReport: 'auto',
      tolerance: 0.02,
      significant: false,
      publishImages: 'auto',
      imagesBranch: 'semantic-audit-images',
      imagesRetentionDays: 30,
      artifactName: 'semantic-audit-report',
      prNumber: undefined,
      commentAuthor: 'github-actions[bot]',
      activationCache: true,
      cacheDir: '.semantic-audit/cache',
      cacheKey: '',
    });
  });

  test('baseline-report: auto (default), none, or a path', () => {
    expect(parseInputs(get({ 'baseline-report': 'none' })).baselineReport).toBeUndefined();
    expect(parseInputs(get({ 'baseline-report': ' base/report.json ' })).baselineReport).toBe('base/report.json');
    expect(parseInputs(get({ 'images-retention-days': '7' })).imagesRetentionDays).toBe(7);
  });

  test('activation cache inputs', () => {
    const i = parseInputs(get({ 'activation-cache': 'False', 'cache-dir': ' /tmp/acts ', 'cache-key': ' matrix/CPU 1 ' }));
    expect([i.activationCache, i.cacheDir, i.cacheKey]).toEqual([false, '/tmp/acts', 'matrix-CPU-1']);
  });

  test('command: none reads an existing report; a title names the artefact', () => {
    const i = parseInputs(get({ command: 'none', title: '  ResNet-18  on   CIFAR ', 'fail-on-regression': 'False', 'pr-number': '42', tolerance: '0.05' }));
    expect(i.command).toBeUndefined();
    expect(i.title).toBe('ResNet-18 on CIFAR');
    expect(i.artifactName).toBe('semantic-audit-report-resnet-18-on-cifar');
    expect(i.failOnRegression).toBe(false);
    expect(i.prNumber).toBe(42);
    expect(i.tolerance).toBe(0.05);
  });

  test.each([
    [{ comment: 'sometimes' }, 'Expected one of "always", "on-failure", "on-change", "off" for comment but received "sometimes"'],
    [{ 'publish-images': 'pages' }, 'Expected one of "auto", "branch", "none" for publish-images but received "pages"'],
    [{ 'images-retention-days': '0' }, 'Expected integer >= 1 for images-retention-days but received "0"'],
    [{ 'images-retention-days': '1.5' }, 'Expected integer >= 1 for images-retention-days but received "1.5"'],
    [{ 'fail-on-regression': 'yes' }, 'Expected true or false for fail-on-regression but received "yes"'],
    [{ tolerance: 'small' }, 'Expected number in [0, 1] for tolerance but received "small"'],
    [{ tolerance: '2' }, 'Expected number in [0, 1] for tolerance but received "2"'],
    [{ 'pr-number': '7a' }, 'Expected integer >= 1 for pr-number but received "7a"'],
    [{ 'pr-number': '0' }, 'Expected integer >= 1 for pr-number but received "0"'],
    [{ 'images-branch': 'bad..name' }, 'Expected a valid branch name for images-branch but received "bad..name"'],
    [{ 'artifact-name': 'a/b' }, 'Expected a name without " : < > | * ? \\ / or line breaks for artifact-name but received "a/b"'],
    [{ 'activation-cache': 'on' }, 'Expected true or false for activation-cache but received "on"'],
    [{ 'cache-dir': 'cache/**' }, 'Expected a directory path without * ? [ ] or line breaks, not starting with ! or # for cache-dir but received "cache/**"'],
    [{ 'cache-dir': '!cache' }, 'Expected a directory path without * ? [ ] or line breaks, not starting with ! or # for cache-dir but received "!cache"'],
    [{ 'cache-key': 'k'.repeat(201) }, 'Expected at most 200 characters for cache-key but received "kkkkkkkkkkkkkkkkkkkk… (201 characters)"'],
  ])('rejects %o', (inputs, message) => {
    expect(() => parseInputs(get(inputs))).toThrow(message);
  });
});

describe('helpers', () => {
  test('parseBooleanInput follows the YAML 1.2 core schema like @actions/core', () => {
    for (const t of ['true', 'True', 'TRUE']) expect(parseBooleanInput('x', t)).toBe(true);
    for (const f of ['false', 'False', 'FALSE']) expect(parseBooleanInput('x', f)).toBe(false);
    expect(() => parseBooleanInput('x', 'tRue')).toThrow('Expected true or false for x but received "tRue"');
  });

  test('slugify', () => {
    expect(slugify('Modèle: ResNet/18 (v2)!')).toBe('modele-resnet-18-v2');
    expect(slugify('---')).toBe('');
    expect(slugify('x'.repeat(80))).toHaveLength(60);
  });
});

describe('action.yml', () => {
  const yml = readFileSync(fileURLToPath(new URL('../../action.yml', import.meta.url)), 'utf8');
  const section = (name: string) => yml.slice(yml.indexOf(`\n${name}:\n`) + name.length + 3).split(/\n(?=\S)/)[0];
  const declared = new Map<string, string>();
  for (const block of section('inputs').split(/\n(?=  [a-z-]+:\n)/)) {
    const name = /^\s*([a-z-]+):/.exec(block)![1];
    const def = /\n {4}default: (.*)/.exec(block)?.[1] ?? '';
    declared.set(name, def.replace(/^'(.*)'$/, '$1'));
  }

  test('declares exactly the inputs the action reads, with the defaults it assumes', () => {
    const read: string[] = [];
    const fromYaml = parseInputs((n) => {
      read.push(n);
      return n === 'github-token' ? 't' : (declared.get(n) ?? '');
    });
    expect(new Set(read)).toEqual(new Set(declared.keys()));
    expect(fromYaml).toEqual(parseInputs(get({ 'github-token': 't' })));
    expect(declared.get('github-token')).toBe('${{ github.token }}');
  });

  test('declares the outputs the action sets and runs the bundle on node24', () => {
    expect([...section('outputs').matchAll(/^ {2}([a-z-]+):$/gm)].map((m) => m[1])).toEqual(['passed', 'report-dir', 'comment-id', 'comment-url']);
    expect(section('runs')).toBe('  using: node24\n  main: dist/action/index.js\n');
  });
});
