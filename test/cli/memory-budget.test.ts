import { describe, expect, it } from 'vitest';
import { checkAuditMemory, estimateAuditBytes, formatBytes, memoryBudget } from '../../src/cli/memory-budget.js';

describe('memory estimate', () => {
  it('counts every layer once plus three working copies of the widest (float32)', () => {
    // 100 images: layers of 10 and 1000 features -> 4,000 + 400,000 bytes, plus 3 x 400,000.
    expect(estimateAuditBytes([{ name: 'a', width: 10 }, { name: 'b', width: 1000 }], 100)).toBe(4_000 + 400_000 + 3 * 400_000);
    expect(estimateAuditBytes([], 100)).toBe(0);
  });

  it('refuses the issue case (8 images of 12.6 M features) under a 1 GiB budget, naming the layer and the way out', () => {
    expect(() => checkAuditMemory([{ name: 'conv1', width: 12_582_912 }, { name: 'fc', width: 10 }], 8, { bytes: 1024 ** 3, source: 'test' })).toThrow(
      'Layer conv1 has 12,582,912 features per image; 8 images need about 1.5 GiB for it (1.5 GiB for all 2 layers), more than the 1.0 GiB available (test). Audit a narrower layer (a pooled one, see semantic-audit layers <model.onnx>), fewer layers at once, or fewer images; or raise SEMANTIC_AUDIT_MAX_MEMORY_MB on a machine with more memory.',
    );
    expect(() => checkAuditMemory([{ name: 'conv1', width: 12_582_912 }], 8, { bytes: 2 * 1024 ** 3, source: 'test' })).not.toThrow();
  });

  it('reads SEMANTIC_AUDIT_MAX_MEMORY_MB, and rejects a bad value', () => {
    expect(memoryBudget({ SEMANTIC_AUDIT_MAX_MEMORY_MB: '512' })).toEqual({ bytes: 512 * 1024 * 1024, source: 'SEMANTIC_AUDIT_MAX_MEMORY_MB=512' });
    expect(() => memoryBudget({ SEMANTIC_AUDIT_MAX_MEMORY_MB: '' })).toThrow('Expected number > 0 for SEMANTIC_AUDIT_MAX_MEMORY_MB but received ""');
    expect(memoryBudget({}).bytes).toBeGreaterThan(0);
  });

  it('formats bytes', () => {
    expect([formatBytes(2048), formatBytes(3 * 1024 ** 2), formatBytes(1.5 * 1024 ** 3)]).toEqual(['2.0 KiB', '3.0 MiB', '1.5 GiB']);
  });
});
