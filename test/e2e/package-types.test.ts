import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';
import { makeTempProject } from '../helpers/temp-project.js';

const tsconfig = JSON.stringify({
  compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] },
  include: ['*.ts'],
});

function tsc(dir: string) {
  return spawnSync(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8' });
}

describe('the published types', () => {
  it('type-check toHaveSemanticNeighbors after importing semantic-audit/vitest', async () => {
    const dir = await makeTempProject({
      'tsconfig.json': tsconfig,
      'model.test.ts': `import { expect, test } from 'vitest';
import { auditModel, type AuditReport } from 'semantic-audit';
import 'semantic-audit/vitest';
test('x', async () => {
  const model = await auditModel('m.onnx', { data: 'd', preprocess: { preset: 'imagenet', size: 224 } });
  await expect(model).toHaveSemanticNeighbors('pool5', { k: 10, minPurity: 0.8, metric: 'cosine' });
  const r: AuditReport = model.report();
  r.layers[0].knn.purity.micro.toFixed(3);
});
`,
    });
    const r = tsc(dir);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('reject a wrong option type', async () => {
    const dir = await makeTempProject({
      'tsconfig.json': tsconfig,
      'bad.test.ts': `import { expect } from 'vitest';
import 'semantic-audit/vitest';
await expect({}).toHaveSemanticNeighbors('pool5', { k: '10', minPurity: 0.8 });
await expect({}).toMatchSemanticBaseline('pool5', { gate: ['purity', 'silhoutte'] });
`,
    });
    const r = tsc(dir);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toContain("Type 'string' is not assignable to type 'number'");
    // The gated names are a union: a misspelt one is a type error.
    expect(r.stdout).toMatch(/Type '"silhoutte"' is not assignable to type '"purity" \| "purity\.micro" .*'\. Did you mean '"silhouette"'\?/);
  });
});
