/**
 * report.schema.json against the TypeScript types of src/result/report.ts (walked with the
 * TypeScript compiler API: every property, its optionality and its JSON type, both ways), and
 * against a real report of the fixture audit (validated with Ajv).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditModel } from '../../src/index.js';
import type { AuditReport } from '../../src/result/report.js';
import { REPORT_SCHEMA_VERSION, SUPPORTED_REPORT_SCHEMA_VERSIONS } from '../../src/result/schema-version.js';
import { REPO } from '../helpers/cli.js';

type Schema = Record<string, any>;
const SCHEMA_FILE = path.join(REPO, 'src/result/report.schema.json');
const TYPES_FILE = path.join(REPO, 'src/result/report.ts');
const schema: Schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'));

/** Properties required by a schema-version condition (`if`/`then`) rather than always. */
const CONDITIONAL = new Set(['ImageNeighbors.majority', 'ImageNeighbors.majorityCount']);

function deref(s: Schema): Schema {
  let out = s;
  while (out.$ref) {
    const ref: string = out.$ref;
    out = ref === '#' ? schema : ref.slice(2).split('/').reduce((o: Schema, k: string) => o[k], schema);
  }
  return out;
}

/** JSON types a schema node admits (`integer` counts as `number`). */
function schemaTypes(s: Schema): Set<string> {
  if (s.enum) return new Set(s.enum.map((v: unknown) => (v === null ? 'null' : typeof v)));
  if (s.const !== undefined) return new Set([typeof s.const]);
  const t: string[] = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  return new Set(t.map((x) => (x === 'integer' ? 'number' : x)));
}

/** Walks a TypeScript type and the schema node describing it, collecting every disagreement. */
function compare(checker: ts.TypeChecker, type: ts.Type, node: Schema, where: string, owner: string, problems: string[], seen: Set<string>): void {
  const s = deref(node);
  const parts = type.isUnion() ? type.types : [type];
  const nullable = parts.some((p) => p.flags & ts.TypeFlags.Null);
  const rest = parts.filter((p) => !(p.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined)));
  const kinds = schemaTypes(s);
  if (nullable && !kinds.has('null')) problems.push(`${where}: the type admits null, the schema does not`);
  const literals = rest.filter((p) => p.isStringLiteral() || p.isNumberLiteral());
  if (literals.length === rest.length && literals.length > 0) {
    const values = literals.map((p) => (p as ts.LiteralType).value).sort();
    const allowed = (s.enum ?? (s.const !== undefined ? [s.const] : [])).filter((v: unknown) => v !== null).sort();
    if (JSON.stringify(values) !== JSON.stringify(allowed)) problems.push(`${where}: type ${JSON.stringify(values)} vs schema ${JSON.stringify(allowed)}`);
    return;
  }
  for (const p of rest) {
    if (p.flags & ts.TypeFlags.StringLike) {
      if (!kinds.has('string')) problems.push(`${where}: string in the type, ${[...kinds]} in the schema`);
    } else if (p.flags & ts.TypeFlags.NumberLike) {
      if (!kinds.has('number')) problems.push(`${where}: number in the type, ${[...kinds]} in the schema`);
    } else if (p.flags & ts.TypeFlags.BooleanLike) {
      if (!kinds.has('boolean')) problems.push(`${where}: boolean in the type, ${[...kinds]} in the schema`);
    } else if (checker.isArrayType(p)) {
      if (!kinds.has('array') || !s.items) problems.push(`${where}: array in the type, ${[...kinds]} in the schema`);
      else compare(checker, checker.getTypeArguments(p as ts.TypeReference)[0], s.items, `${where}[]`, owner, problems, seen);
    } else if (p.flags & ts.TypeFlags.Object) {
      if (!kinds.has('object')) {
        problems.push(`${where}: object in the type, ${[...kinds]} in the schema`);
        continue;
      }
      const index = checker.getIndexTypeOfType(p, ts.IndexKind.String);
      if (index) {
        if (typeof s.additionalProperties !== 'object') problems.push(`${where}: a record in the type, no additionalProperties schema`);
        else compare(checker, index, s.additionalProperties, `${where}[key]`, owner, problems, seen);
        continue;
      }
      const name = p.aliasSymbol?.name ?? p.getSymbol()?.name ?? '';
      const typeName = name && name !== '__type' ? name : owner;
      const key = `${typeName}@${where}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const props = checker.getPropertiesOfType(p);
      const schemaProps: Schema = s.properties ?? {};
      const required = new Set<string>(s.required ?? []);
      for (const prop of props) {
        const at = `${where}.${prop.name}`;
        if (!(prop.name in schemaProps)) {
          problems.push(`${at}: in the type, missing from the schema`);
          continue;
        }
        const optional = (prop.flags & ts.SymbolFlags.Optional) !== 0;
        const conditional = CONDITIONAL.has(`${typeName}.${prop.name}`);
        if (!optional && !required.has(prop.name) && !conditional) problems.push(`${at}: required in the type, optional in the schema`);
        if (optional && required.has(prop.name)) problems.push(`${at}: optional in the type, required in the schema`);
        if (conditional && required.has(prop.name)) problems.push(`${at}: listed as conditional but always required in the schema`);
        compare(checker, checker.getTypeOfSymbol(prop), schemaProps[prop.name], at, typeName, problems, seen);
      }
      for (const extra of Object.keys(schemaProps)) {
        if (!props.some((q) => q.name === extra)) problems.push(`${where}.${extra}: in the schema, missing from the type`);
      }
    } else {
      problems.push(`${where}: unhandled type ${checker.typeToString(p)}`);
    }
  }
}

let program: ts.Program | undefined;

function typeOf(name: string): { checker: ts.TypeChecker; type: ts.Type } {
  program ??= ts.createProgram([TYPES_FILE], { strict: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, noEmit: true });
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(TYPES_FILE)!;
  const symbol = checker.getExportsOfModule(checker.getSymbolAtLocation(file)!).find((s) => s.name === name);
  if (!symbol) throw new Error(`${name} is not exported by ${TYPES_FILE}`);
  return { checker, type: checker.getDeclaredTypeOfSymbol(symbol) };
}

function problemsOf(name: string, node: Schema): string[] {
  const { checker, type } = typeOf(name);
  const problems: string[] = [];
  compare(checker, type, node, name, name, problems, new Set());
  return problems;
}

describe('report.schema.json agrees with the types of src/result/report.ts', () => {
  it('every property of AuditReport (recursively) is in the schema with the same optionality and JSON type, and nothing more', () => {
    expect(problemsOf('AuditReport', schema)).toEqual([]);
  }, 60_000);

  it('the comparison finds drift: a schema without a property, or with an extra one, or a wrong type', () => {
    const broken: Schema = structuredClone(schema);
    delete broken.definitions.ImageNeighbors.properties.distances;
    broken.definitions.ReportEnvironment.properties.gpu = { type: 'string' };
    broken.definitions.TsneEmbedding.properties.kl = { type: 'string' };
    broken.definitions.CheckResult.required = broken.definitions.CheckResult.required.filter((r: string) => r !== 'passed');
    const saved = { ...schema };
    Object.assign(schema, broken);
    try {
      expect(problemsOf('AuditReport', broken).sort()).toEqual([
        'AuditReport.checks[].passed: required in the type, optional in the schema',
        'AuditReport.environment.gpu: in the schema, missing from the type',
        'AuditReport.layers[].knn.images[].distances: in the type, missing from the schema',
        'AuditReport.layers[].tsne.2d.kl: number in the type, string in the schema',
        'AuditReport.layers[].tsne.3d.kl: number in the type, string in the schema',
      ]);
    } finally {
      for (const k of Object.keys(schema)) delete schema[k];
      Object.assign(schema, saved);
    }
  }, 60_000);

  it('accepts exactly the supported schema versions', () => {
    expect(schema.properties.schemaVersion.enum).toEqual([...SUPPORTED_REPORT_SCHEMA_VERSIONS]);
    expect(SUPPORTED_REPORT_SCHEMA_VERSIONS).toContain(REPORT_SCHEMA_VERSION);
    expect(schema.if.properties.schemaVersion.const).toBe(REPORT_SCHEMA_VERSION);
    expect(schema.then.properties.layers.items.properties.knn.properties.images.items.required).toEqual([...CONDITIONAL].map((c) => c.split('.')[1]));
  });

  it('is the file the package exports as semantic-audit/report.schema.json', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    expect(pkg.exports['./report.schema.json']).toBe('./src/result/report.schema.json');
    expect(pkg.files).toContain('src/result/report.schema.json');
  });
});

describe('a real report of the fixture audit validates', () => {
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
  const validate = ajv.compile(schema);
  const validateBundle = ajv.getSchema(`${schema.$id}#/definitions/AuditReportBundle`)!;
  let report: AuditReport;

  beforeAll(async () => {
    // No cache: the model runs, so the environment names the execution provider it ran with.
    const audit = await auditModel(`${REPO}/fixtures/models/fmnist-resnet.onnx`, { data: `${REPO}/fixtures/fmnist5`, cache: false });
    for (const layer of ['data', 'pool5']) {
      const l = await audit.analyze(layer, { k: 10 });
      audit.recordCheck({ name: `${layer} purity.micro >= 0.8`, layer, metric: 'purity.micro', value: l.knn.purity.micro, threshold: 0.8, comparator: '>=', passed: l.knn.purity.micro >= 0.8, source: 'test' });
    }
    await audit.embed('pool5', { dims: 3 });
    await audit.separation('pool5', { embedding: true });
    await audit.separation('data');
    report = JSON.parse(JSON.stringify(audit.report()));
  }, 120_000);

  it('with k-NN, 2-D and 3-D t-SNE, separation in both spaces, checks, timings and environment', () => {
    expect(report.schemaVersion).toBe(2);
    expect(Object.keys(report.layers[1].tsne ?? {}).sort()).toEqual(['2d', '3d']);
    expect(report.layers[1].separation?.embedding?.trustworthiness).toBeGreaterThan(0);
    expect(report.environment?.executionProviders).toEqual(['cpu']);
    const ok = validate(report);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('and as a bundle of reports', () => {
    const bundle = { schemaVersion: 2, tool: report.tool, createdAt: report.createdAt, passed: report.passed, reports: [report, report] };
    expect(validateBundle(bundle)).toBe(true);
    expect(validateBundle({ ...bundle, reports: [report, { ...report, layers: 'none' }] })).toBe(false);
    expect(validateBundle.errors?.[0]).toMatchObject({ instancePath: '/reports/1/layers', message: 'must be array' });
  });

  it('a schema-1 report (no majority) validates; a schema-2 one without it, or a broken one, does not', () => {
    const v1 = structuredClone(report) as any;
    v1.schemaVersion = 1;
    delete v1.environment;
    for (const l of v1.layers) for (const im of l.knn.images) delete im.majority, delete im.majorityCount;
    expect(validate(v1)).toBe(true);
    v1.schemaVersion = 2;
    expect(validate(v1)).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ instancePath: '/layers/0/knn/images/0', message: "must have required property 'majority'" });
    const bad = structuredClone(report) as any;
    bad.layers[0].knn.purity.micro = 1.5;
    expect(validate(bad)).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ instancePath: '/layers/0/knn/purity/micro', message: 'must be <= 1' });
  });
});
