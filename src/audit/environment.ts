/**
 * The `environment` of a report: what computed its numbers (versions, platform, CPU, threads),
 * read from the running process so that a result can be reproduced or explained.
 */

import { createRequire } from 'node:module';
import os from 'node:os';
import type { ReportEnvironment } from '../result/report.js';
import { VERSION } from '../version.js';

let ortVersion: string | undefined;

/** onnxruntime-node's version from its package.json (`unknown` when it cannot be read). */
export function onnxruntimeVersion(): string {
  if (ortVersion === undefined) {
    try {
      ortVersion = String((createRequire(import.meta.url)('onnxruntime-node/package.json') as { version?: unknown }).version ?? 'unknown');
    } catch {
      ortVersion = 'unknown';
    }
  }
  return ortVersion;
}

/**
 * The environment of this process.
 *
 * @param executionProviders the providers the inference sessions ran with, in order of first use
 */
export function collectEnvironment(executionProviders: readonly string[]): ReportEnvironment {
  return {
    semanticAudit: VERSION,
    onnxruntime: onnxruntimeVersion(),
    node: process.version,
    executionProviders: [...executionProviders],
    platform: process.platform,
    arch: process.arch,
    cpu: os.cpus()[0]?.model?.trim() || 'unknown',
    threads: os.availableParallelism(),
  };
}
