/** The gate names: validation with exact messages, expansion, the command-line list. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_GATE, GATE_METRICS, expandGate, gateNeedsEmbedding, gateNeedsSeparation, parseGateList, readGate } from '../../src/baseline/gate.js';
import { DEFAULT_METRICS } from '../../src/baseline/compare.js';

describe('gate', () => {
  it('reads gate or its deprecated alias metrics', () => {
    expect(readGate({})).toBeUndefined();
    expect(readGate({ gate: ['purity', 'silhouette', 'purity'] })).toEqual(['purity', 'silhouette']);
    expect(readGate({ metrics: ['daviesBouldin'] })).toEqual(['daviesBouldin']);
    expect(() => readGate({ gate: ['purity'], metrics: ['purity'] })).toThrow('Expected undefined when gate is set (metrics is the deprecated name of gate) for metrics but received ["purity"]. Pass only gate');
    expect(() => readGate({ gate: [] })).toThrow('Expected a non-empty array of metric names such as ["purity", "silhouette"] for gate but received []');
    expect(() => readGate({ metrics: ['purity', 'embedding.trustworthines'] })).toThrow(`Expected one of ${GATE_METRICS.join(', ')} for metrics[1] but received "embedding.trustworthines". Did you mean "embedding.trustworthiness"?`);
  });

  it('states the default and what each list needs computed', () => {
    expect(DEFAULT_GATE).toEqual(['purity', 'silhouette']);
    expect(DEFAULT_METRICS).toBe(DEFAULT_GATE);
    expect(expandGate(['purity', 'silhouette', 'purity.micro'])).toEqual(['purity.micro', 'purity.macro', 'silhouette']);
    expect([gateNeedsSeparation(['purity', 'purity.perClass']), gateNeedsSeparation(DEFAULT_GATE), gateNeedsEmbedding(DEFAULT_GATE), gateNeedsEmbedding(['embedding.silhouette'])]).toEqual([false, true, false, true]);
  });

  it('parses the command line list with the flag in the message', () => {
    expect(parseGateList('--gate', 'purity, silhouette')).toEqual(['purity', 'silhouette']);
    expect(() => parseGateList('--metrics', 'purity,silhuette')).toThrow(`Expected comma-separated names among ${GATE_METRICS.join(', ')} for --metrics but received "silhuette". Did you mean "silhouette"?`);
  });
});
